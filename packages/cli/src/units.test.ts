import { expect, test } from "bun:test";
import { formatBytes, parseDuration, parseSince, parseSize } from "./units.ts";

test("parseSize reads bytes, k/m/g/t suffixes (powers of 1024) and -1", () => {
  expect([parseSize("x", "1024"), parseSize("x", "512k"), parseSize("x", "64m"), parseSize("x", "1GiB"), parseSize("x", "-1")])
    .toEqual([1024, 512 * 1024, 64 * 1024 ** 2, 1024 ** 3, -1]);
  expect(() => parseSize("memory-limit", "lots")).toThrow("--memory-limit must be a size");
});

test("formatBytes picks the largest unit under 1024", () => {
  expect([formatBytes(512), formatBytes(1536), formatBytes(64 * 1024 ** 2)]).toEqual(["512B", "1.5KiB", "64.0MiB"]);
});

test("parseSince turns a duration into the time that long ago and leaves a time as it is", () => {
  const now = Date.parse("2026-11-28T20:10:00Z");
  expect(parseSince("10m", now)).toBe("2026-11-28T20:00:00.000Z");
  expect(parseSince("2026-11-28T20:00:00.123456789Z", now)).toBe("2026-11-28T20:00:00.123456789Z");
});

test("parseDuration reads ms, s, m, h and d, fractions too, and names the flag when it cannot", () => {
  expect([parseDuration("d", "500ms"), parseDuration("d", "10s"), parseDuration("d", "1.5m"), parseDuration("d", "2h")])
    .toEqual([500, 10_000, 90_000, 7_200_000]);
  expect(() => parseDuration("wait-quiet", "soon")).toThrow("--wait-quiet must be a duration");
  expect(() => parseDuration("duration", "10")).toThrow("--duration must be a duration");
});
