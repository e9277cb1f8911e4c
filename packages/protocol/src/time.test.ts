import { expect, test } from "bun:test";
import { nowRfc3339, parseRfc3339Ns } from "./time.ts";

const RFC3339_NS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

test("nowRfc3339 gives UTC with nine fraction digits, close to the wall clock and never going back", () => {
  const first = nowRfc3339();
  expect(first).toMatch(RFC3339_NS);
  expect(Math.abs(Number(parseRfc3339Ns(first)! / 1_000_000n) - Date.now())).toBeLessThan(1000);
  let prev = parseRfc3339Ns(first)!;
  for (let i = 0; i < 1000; i++) {
    const s = nowRfc3339();
    expect(s).toMatch(RFC3339_NS);
    const ns = parseRfc3339Ns(s)!;
    expect(ns).toBeGreaterThanOrEqual(prev);
    prev = ns;
  }
  expect(prev).toBeGreaterThan(parseRfc3339Ns(first)!);
});

test("parseRfc3339Ns is exact to the nanosecond and honours offsets", () => {
  const base = BigInt(Date.UTC(2026, 10, 28, 20, 0, 0)) * 1_000_000n;
  expect(parseRfc3339Ns("2026-11-28T20:00:00Z")).toBe(base);
  expect(parseRfc3339Ns("2026-11-28T20:00:00.123456789Z")).toBe(base + 123_456_789n);
  expect(parseRfc3339Ns("2026-11-28T20:00:00.5Z")).toBe(base + 500_000_000n);
  expect(parseRfc3339Ns("2026-11-28T21:00:00.000000001+01:00")).toBe(base + 1n);
  expect(parseRfc3339Ns("1969-12-31T23:59:59.5Z")).toBe(-500_000_000n);
});

test("parseRfc3339Ns orders times that differ past the millisecond", () => {
  const inOrder = [
    "2026-11-28T20:00:00Z",
    "2026-11-28T20:00:00.000000001Z",
    "2026-11-28T20:00:00.000999999Z",
    "2026-11-28T20:00:00.001Z",
    "2026-11-28T20:00:00.1Z",
    "2026-11-28T20:00:00.123456789Z",
    "2026-11-28T20:00:01Z",
  ];
  const parsed = inOrder.map((s) => parseRfc3339Ns(s)!);
  for (let i = 1; i < parsed.length; i++) expect(parsed[i]!).toBeGreaterThan(parsed[i - 1]!);
});

test("parseRfc3339Ns gives undefined for anything that is not RFC 3339", () => {
  for (const s of [
    "", "yesterday", "2026-11-28", "2026-11-28 20:00:00Z", "2026-11-28T20:00:00", "2026-11-28T20:00:00.Z",
    "2026-11-28T20:00:00.1234567891Z", "2026-13-01T00:00:00Z", "garbageT20:00:00Z", "2026-11-28T20:00:00+0100",
  ]) {
    expect(parseRfc3339Ns(s), s).toBeUndefined();
  }
});
