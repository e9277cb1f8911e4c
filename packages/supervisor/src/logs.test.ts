import { afterAll, afterEach, beforeEach, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogTimesWriter, logTimesPath } from "@berth/state";
import { type FollowOptions, followLog, logLines } from "./logs.ts";

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

// timestamps and since, from the shim's time index beside the log
let log: string;
let times: LogTimesWriter;
let stampDir: string;
beforeEach(() => {
  stampDir = mkdtempSync(join(tmpdir(), "berth-stamps-"));
  log = join(stampDir, "init.log");
  times = new LogTimesWriter(logTimesPath(log), 1 << 20);
});
afterEach(() => {
  times.close();
  rmSync(stampDir, { recursive: true, force: true });
});

let size = 0;
/** Writes to the log as the shim does: the index first, at the offset the write begins. */
function write(text: string, ms: number): void {
  times.mark(size, ms);
  appendFileSync(log, text);
  size += Buffer.byteLength(text);
}

const T0 = Date.parse("2026-11-29T10:00:00Z");
const readWith = (options: Partial<FollowOptions>) =>
  new Response(followLog(log, { follow: false, until: Promise.resolve(), ...options })).text();

test("timestamps start each line with the time of the write that began it, also for a line split over two writes", async () => {
  size = 0;
  write("one\ntw", T0);
  write("o\nthree\n", T0 + 1500.5);
  expect(await readWith({ timestamps: true })).toBe(
    "2026-11-29T10:00:00.000000000Z one\n2026-11-29T10:00:00.000000000Z two\n2026-11-29T10:00:01.500500000Z three\n",
  );
  expect(await readWith({ timestamps: true, tail: 1 })).toBe("2026-11-29T10:00:01.500500000Z three\n");
  expect(await readWith({})).toBe("one\ntwo\nthree\n");
});

test("since keeps the lines written after it, across the rotated log and the current one", async () => {
  size = 0;
  write("old\n", T0);
  renameSync(log, `${log}.1`);
  times.rotate();
  size = 0;
  write("new\n", T0 + 2000);
  write("newer\n", T0 + 4000);
  const since = (iso: string) => readWith(logLines({ since: iso }));
  expect(await since("2026-11-29T09:59:59Z")).toBe("old\nnew\nnewer\n");
  expect(await since("2026-11-29T10:00:00Z")).toBe("new\nnewer\n");
  expect(await since("2026-11-29T10:00:03.5Z")).toBe("newer\n");
  expect(await since("2026-11-29T11:00:00Z")).toBe("");
  expect(() => logLines({ since: "yesterday" })).toThrow('since "yesterday" is not an RFC 3339 time');
});
