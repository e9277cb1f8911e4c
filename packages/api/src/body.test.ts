import { expect, test } from "bun:test";
import { BerthError } from "@berth/protocol";
import { checkDepth, MAX_JSON_DEPTH, parseJsonBody, readBounded } from "./body.ts";

const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request("http://localhost/x", { method: "POST", body, headers });
const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (err: BerthError) => err.code);

/** A body sent without a Content-Length: chunks of `size` bytes, `count` times, counting how many were pulled. */
function chunked(size: number, count: number) {
  const pulled = { n: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.n++ >= count) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { stream, pulled };
}

test("a body over the limit is refused from its Content-Length, before a byte is read", async () => {
  const req = post("x".repeat(2000), { "content-length": "2000" });
  expect(await codeOf(readBounded(req, 1000))).toBe("payload_too_large");
  expect(req.bodyUsed).toBe(false);
});

test("a body without a Content-Length is read only up to the limit, then refused", async () => {
  const { stream, pulled } = chunked(1000, 1000);
  expect(await codeOf(readBounded(new Request("http://localhost/x", { method: "POST", body: stream }), 4500))).toBe("payload_too_large");
  expect(pulled.n).toBeLessThan(10);
  const small = chunked(1000, 3);
  expect((await readBounded(new Request("http://localhost/x", { method: "POST", body: small.stream }), 4500)).length).toBe(3000);
});

test("nesting is counted outside strings only, and refused past the limit before JSON.parse", () => {
  const nested = (n: number) => new TextEncoder().encode("[".repeat(n) + "]".repeat(n));
  expect(() => checkDepth(nested(MAX_JSON_DEPTH))).not.toThrow();
  expect(() => checkDepth(nested(MAX_JSON_DEPTH + 1))).toThrow("deeper than 32 levels");
  // Brackets inside strings, escaped quotes included, do not count.
  expect(() => checkDepth(new TextEncoder().encode(JSON.stringify({ a: "[".repeat(1000), b: '\\"[[[[', c: ["{{{"] })))).not.toThrow();
});

test("100,000 nested arrays are refused at once", async () => {
  const started = performance.now();
  expect(await codeOf(parseJsonBody(post("[".repeat(100_000) + "]".repeat(100_000)), 1 << 20))).toBe("invalid_argument");
  expect(performance.now() - started).toBeLessThan(100);
});

test("JSON bodies: parsed when well-formed, invalid_argument when not, undefined when empty", async () => {
  expect(await parseJsonBody(post('{"id":"a"}'), 1000)).toEqual({ id: "a" });
  expect(await codeOf(parseJsonBody(post("{"), 1000))).toBe("invalid_argument");
  expect(await parseJsonBody(post(""), 1000)).toBeUndefined();
});
