import { expect, test } from "bun:test";
import { bytes, duration, exitStatus, plainText, sinceTime } from "./format.ts";

test("bytes in binary units", () => {
  expect(bytes(0)).toBe("0 B");
  expect(bytes(1023)).toBe("1023 B");
  expect(bytes(1536)).toBe("1.5 KiB");
  expect(bytes(64 * 1024 ** 2)).toBe("64.0 MiB");
  expect(bytes(3 * 1024 ** 5)).toBe("3072.0 TiB");
});

test("durations as their two largest units", () => {
  expect(duration(0)).toBe("0s");
  expect(duration(-5)).toBe("0s");
  expect(duration(45_999)).toBe("45s");
  expect(duration(192_000)).toBe("3m 12s");
  expect(duration(2 * 3600_000 + 5 * 60_000 + 7_000)).toBe("2h 5m");
  expect(duration(3600_000 + 7_000)).toBe("1h");
  expect(duration(4 * 86400_000 + 3600_000)).toBe("4d 1h");
});

test("exit statuses name the signal of 128+N, and 255 is unknown", () => {
  expect(exitStatus(0)).toBe("0");
  expect(exitStatus(3)).toBe("3");
  expect(exitStatus(137)).toBe("137 (SIGKILL)");
  expect(exitStatus(143)).toBe("143 (SIGTERM)");
  expect(exitStatus(255)).toBe("255 (unknown)");
  expect(exitStatus(200)).toBe("200");
});

test("since: RFC 3339 as it is, relative times before now, anything else refused", () => {
  const now = Date.parse("2026-11-29T20:00:00Z");
  expect(sinceTime("10m", now)).toBe("2026-11-29T19:50:00.000Z");
  expect(sinceTime(" 2h ", now)).toBe("2026-11-29T18:00:00.000Z");
  expect(sinceTime("1d", now)).toBe("2026-11-28T20:00:00.000Z");
  expect(sinceTime("2026-11-28T20:00:00.123456789Z", now)).toBe("2026-11-28T20:00:00.123456789Z");
  expect(sinceTime("2026-11-28T20:00:00+01:00", now)).toBe("2026-11-28T20:00:00+01:00");
  for (const bad of ["", "yesterday", "10", "10w", "2026-11-28", "2026-11-28 20:00:00Z"]) expect(sinceTime(bad, now)).toBeUndefined();
});

test("plain text drops colours, cursor moves, titles and carriage returns", () => {
  expect(plainText("\x1b[1;32mok\x1b[0m done\r\n")).toBe("ok done\n");
  expect(plainText("\x1b]0;title\x07/ # \x1b[6n\x1b[?25h")).toBe("/ # ");
});
