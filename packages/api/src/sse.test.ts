import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBroker, Journal, SUBSCRIBER_QUEUE_LIMIT } from "@berth/supervisor";
import { eventStream } from "./sse.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function broker(): EventBroker {
  const dir = mkdtempSync(join(tmpdir(), "bsse-"));
  dirs.push(dir);
  return new EventBroker(new Journal(join(dir, "events.jsonl"), 100_000));
}

test("the stream opens with a retry field, then one SSE message per event: id, event, data", async () => {
  const b = broker();
  b.publish(b.record({ type: "start-container", id: "c1" }));
  const text = new Response(eventStream(b.subscribe({ after: 0, storedOnly: true }))).text();
  const body = await text;
  const [retry, first] = body.split("\n\n");
  expect(retry).toBe("retry: 1000");
  const lines = first!.split("\n");
  expect(lines[0]).toBe("id: 1");
  expect(lines[1]).toBe("event: start-container");
  expect(JSON.parse(lines[2]!.slice("data: ".length))).toMatchObject({ seq: 1, type: "start-container", id: "c1" });
});

test("a reader that falls too far behind gets an error message naming where to resume, and the stream ends", async () => {
  const b = broker();
  const stream = eventStream(b.subscribe({}));
  const reader = stream.getReader();
  expect((await reader.read()).value).toBe("retry: 1000\n\n");
  b.publish(b.record({ type: "start-container", id: "first" }));
  expect((await reader.read()).value).toContain("id: 1\n");
  // The broker never waits: it goes on while this reader reads nothing.
  for (let i = 0; i <= SUBSCRIBER_QUEUE_LIMIT; i++) b.publish(b.record({ type: "start-container", id: `c${i}` }));
  expect(b.subscriberCount).toBe(0);
  let last = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    last = value!;
  }
  expect(last.startsWith("event: error\n")).toBe(true);
  const error = JSON.parse(last.split("data: ")[1]!) as { error: { code: string; message: string } };
  expect(error.error.code).toBe("unavailable");
  expect(error.error.message).toBe(`subscriber fell behind; resume with after=${1 + SUBSCRIBER_QUEUE_LIMIT}`);
});
