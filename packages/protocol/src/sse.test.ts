import { expect, test } from "bun:test";
import { readSse } from "./sse.ts";

function body(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
}

test("messages split across chunks are put together; blocks without data are skipped", async () => {
  const messages = [];
  for await (const m of readSse(body("retry: 1000\n\nid: 1\nevent: exit\nda", "ta: {\"a\":1}\n\n: comment\nevent: error\ndata: x\ndata: y\n\n"))) {
    messages.push(m);
  }
  expect(messages).toEqual([{ id: "1", event: "exit", data: '{"a":1}' }, { event: "error", data: "x\ny" }]);
});
