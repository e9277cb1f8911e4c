import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { logSink, Output, type OutputSink } from "./output.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-output-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enc = new TextEncoder();
const dec = new TextDecoder();

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

function recordingSink() {
  const chunks: string[] = [];
  let closed = 0;
  const sink: OutputSink = {
    write: (c) => void chunks.push(dec.decode(c)),
    close: () => void closed++,
  };
  return { sink, chunks, closed: () => closed };
}

test("copies every source into the sink, then closes it once, when all have ended", async () => {
  const s = recordingSink();
  const out = new Output([stream(["o1", "o2"]), stream(["e1"])], s.sink);
  expect(out.observable).toBe(true);
  await out.done;
  expect(s.chunks.filter((c) => c.startsWith("o"))).toEqual(["o1", "o2"]);
  expect(s.chunks.filter((c) => c.startsWith("e"))).toEqual(["e1"]);
  expect(s.closed()).toBe(1);
});

test("a process's stdout and stderr pipes end up in the rotated log, which is closed after", async () => {
  const path = join(dir, "logs", "init.log");
  const proc = Bun.spawn(["sh", "-c", "echo out; echo err >&2"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const out = new Output([proc.stdout, proc.stderr], logSink(path, 1 << 20));
  await out.done;
  expect(readFileSync(path, "utf8").split("\n").sort()).toEqual(["", "err", "out"]);
});

test("listeners get output from when they attach, and end with the output", async () => {
  let push!: (s: string) => void;
  let end!: () => void;
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      push = (s) => c.enqueue(enc.encode(s));
      end = () => c.close();
    },
  });
  const s = recordingSink();
  const out = new Output([source], s.sink);
  push("before");
  await Bun.sleep(0);
  const heard: string[] = [];
  let ended = 0;
  const detach = out.attach({ data: (c) => void heard.push(dec.decode(c)), end: () => void ended++ });
  push("during");
  await Bun.sleep(0);
  const other: string[] = [];
  const detachOther = out.attach({ data: (c) => void other.push(dec.decode(c)), end: () => {} });
  detachOther();
  push("after");
  end();
  await out.done;
  expect(s.chunks).toEqual(["before", "during", "after"]);
  expect(heard).toEqual(["during", "after"]);
  expect(other).toEqual([]);
  expect(ended).toBe(1);
  detach();
  // Attaching after the end just ends.
  let late = 0;
  out.attach({ data: () => {}, end: () => void late++ });
  expect(late).toBe(1);
});

test("without a sink the output is not observable but listeners still hear it", async () => {
  const heard: string[] = [];
  const out = new Output([stream(["x"])], undefined);
  expect(out.observable).toBe(false);
  out.attach({ data: (c) => void heard.push(dec.decode(c)), end: () => {} });
  await out.done;
  expect(heard).toEqual(["x"]);
});
