import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { logTimesPath } from "./layout.ts";
import { ENTRY_BYTES, INTERVAL_MS, LogTimes, LogTimesWriter } from "./log-times.ts";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-logtimes-");
  path = logTimesPath(join(dir, "init.log"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a line's time is that of the last write that began at or before it; writes within the interval share one entry", () => {
  const w = new LogTimesWriter(path, 1 << 20);
  w.mark(0, 1000);
  w.mark(10, 1000 + INTERVAL_MS / 2); // too soon: no entry
  w.mark(20, 1000 + INTERVAL_MS);
  w.mark(50, 5000.25);
  w.close();
  const t = new LogTimes(path);
  expect([0, 9, 10, 19, 20, 49, 50, 1e6].map((o) => t.at(o))).toEqual([1000, 1000, 1000, 1000, 1100, 1100, 5000.25, 5000.25]);
  expect(statSync(path).size).toBe(3 * ENTRY_BYTES);
});

test("the reader sees entries appended after it was made; an empty index says nothing", () => {
  const w = new LogTimesWriter(path, 1 << 20);
  const t = new LogTimes(path);
  expect(t.at(0)).toBeUndefined();
  w.mark(0, 7);
  expect(t.at(3)).toBe(7);
  w.close();
});

test("rotation moves the index to .1 beside the rotated log and starts afresh", () => {
  const w = new LogTimesWriter(path, 1 << 20);
  w.mark(0, 1000);
  w.rotate();
  w.mark(0, 1050); // the interval starts over with the new file
  w.close();
  expect(new LogTimes(`${path}.1`).at(100)).toBe(1000);
  expect(new LogTimes(path).at(100)).toBe(1050);
});

test("past a quarter of the log's bound the index keeps every other entry and doubles its interval", () => {
  const logMax = 64 * 4 * ENTRY_BYTES; // room for 64 entries
  const w = new LogTimesWriter(path, logMax);
  for (let i = 0; i < 64; i++) w.mark(i * 10, i * INTERVAL_MS);
  expect(statSync(path).size).toBe(64 * ENTRY_BYTES);
  w.mark(640, 64 * INTERVAL_MS); // thins to 32, then adds one
  expect(statSync(path).size).toBe(33 * ENTRY_BYTES);
  w.mark(650, 65 * INTERVAL_MS); // the interval is now twice as long: too soon
  expect(statSync(path).size).toBe(33 * ENTRY_BYTES);
  w.close();
  const t = new LogTimes(path);
  expect([0, 15, 20, 640].map((o) => t.at(o))).toEqual([0, 0, 2 * INTERVAL_MS, 64 * INTERVAL_MS]);
  expect(existsSync(`${path}.tmp`)).toBe(false);
});
