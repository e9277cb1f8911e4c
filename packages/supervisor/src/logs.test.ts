import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followLog } from "./logs.ts";

const dir = mkdtempSync(join(tmpdir(), "berth-logs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(path: string, tail?: number): Promise<string> {
  return new Response(followLog(path, { tail, follow: false, until: new Promise(() => {}) })).text();
}

test("tail counts lines back across the rotated file; no tail is everything, oldest first", async () => {
  const path = join(dir, "a.log");
  writeFileSync(`${path}.1`, "one\ntwo\nthree\n");
  writeFileSync(path, "four\nfive\n");
  expect(await read(path)).toBe("one\ntwo\nthree\nfour\nfive\n");
  expect(await read(path, 1)).toBe("five\n");
  expect(await read(path, 3)).toBe("three\nfour\nfive\n");
  expect(await read(path, 99)).toBe("one\ntwo\nthree\nfour\nfive\n");
  expect(await read(path, 0)).toBe("");
});

test("a tail that starts many blocks back in a large log is exact", async () => {
  const path = join(dir, "big.log");
  const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`);
  writeFileSync(path, lines.join(""));
  expect(await read(path, 20_000)).toBe(lines.slice(-20_000).join(""));
  expect((await read(path)).length).toBe(lines.join("").length);
});

test("a reader that never reads past its first block holds one block, not the log", async () => {
  const path = join(dir, "huge.log");
  writeFileSync(path, "x".repeat(32 << 20));
  const before = process.memoryUsage().rss;
  const readers = Array.from({ length: 20 }, () => followLog(path, { follow: false, until: new Promise(() => {}) }).getReader());
  for (const r of readers) expect((await r.read()).value!.length).toBe(64 * 1024);
  // 20 readers of a 32 MiB log that had read it all up front would hold 640 MiB.
  expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  for (const r of readers) await r.cancel();
});
