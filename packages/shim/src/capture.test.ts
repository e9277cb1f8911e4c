import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RotatingLog } from "./capture.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-capture-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enc = new TextEncoder();
const read = (path: string) => (existsSync(path) ? readFileSync(path, "latin1") : "");

function fdsOn(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

test("rotates into .1 when the next chunk would pass maxBytes; the previous .1 is unlinked aside, gone by close", async () => {
  const path = join(dir, "logs", "init.log"); // the directory is created
  const log = new RotatingLog(path, 10);
  log.write(enc.encode("aaaa"));
  log.write(enc.encode("bbbbbb")); // exactly 10: no rotation yet
  expect(read(path)).toBe("aaaabbbbbb");
  expect(existsSync(`${path}.1`)).toBe(false);
  log.write(enc.encode("c"));
  expect(read(`${path}.1`)).toBe("aaaabbbbbb");
  expect(read(path)).toBe("c");
  log.write(enc.encode("ddddddddd"));
  log.write(enc.encode("e"));
  expect(read(`${path}.1`)).toBe("cddddddddd");
  expect(read(path)).toBe("e");
  await log.close();
  expect(readdirSync(join(dir, "logs")).sort()).toEqual(["init.log", "init.log.1", "init.log.times", "init.log.times.1"]);
});

test("a rotated file an earlier shim left on its way out (it died before the unlink) goes when the log opens", async () => {
  const path = join(dir, "init.log");
  writeFileSync(`${path}.1.gone-3`, "x".repeat(100));
  writeFileSync(`${path}.1`, "kept");
  const log = new RotatingLog(path, 10);
  await log.close();
  expect(readdirSync(dir).sort()).toEqual(["init.log", "init.log.1", "init.log.times"]);
  expect(read(`${path}.1`)).toBe("kept");
});

test("whatever the chunk sizes, disk use stays within 2*maxBytes and the newest bytes are kept in order", () => {
  const path = join(dir, "out.log");
  const max = 100;
  const log = new RotatingLog(path, max);
  let written = "";
  let seed = 7;
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const len = 1 + (seed % max); // 1..maxBytes
    const chunk = String.fromCharCode(97 + (i % 26)).repeat(len);
    log.write(enc.encode(chunk));
    written += chunk;
    const kept = read(`${path}.1`) + read(path);
    expect(kept.length).toBeLessThanOrEqual(2 * max);
    expect(read(path).length).toBeLessThanOrEqual(max);
    expect(written.endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThanOrEqual(Math.min(written.length, max));
  }
  log.close();
});

test("a chunk larger than maxBytes goes in pieces: the two files keep its newest bytes, as smaller chunks would", () => {
  const path = join(dir, "big.log");
  const log = new RotatingLog(path, 10);
  log.write(enc.encode("old"));
  log.write(enc.encode("0123456789ABCDEFGHIJ"));
  expect(read(path)).toBe("ABCDEFGHIJ");
  expect(read(`${path}.1`)).toBe("0123456789");
  log.write(enc.encode("abcdefghijklmnopqrstuvwxyz"));
  expect(read(`${path}.1`)).toBe("ghijklmnop"); // the 6 oldest bytes would have been rotated away anyway
  expect(read(path)).toBe("qrstuvwxyz");
  log.close();
});

test("close releases the file", () => {
  const path = join(dir, "c.log");
  const log = new RotatingLog(path, 10);
  log.write(enc.encode("x".repeat(8)));
  log.write(enc.encode("y".repeat(8))); // rotated: the fd now points at the new file
  expect(fdsOn(path)).toBe(1);
  log.close();
  expect(fdsOn(path)).toBe(0);
  expect(fdsOn(`${path}.1`)).toBe(0);
});
