import { expect, test } from "bun:test";
import type { Stats } from "@berth/protocol";
import { toPoint } from "./stats.ts";

const stats = (timestamp: string, cpuNs: number, memory: number, pids: number) =>
  ({ timestamp, cpu: { usage: { total: cpuNs } }, memory: { usage: { usage: memory } }, pids: { current: pids } }) as unknown as Stats;

test("a point: CPU as a percentage of one CPU between two samples, memory and pids as read", () => {
  const a = stats("2026-11-29T20:00:00.000000000Z", 5e9, 1024, 2);
  const b = stats("2026-11-29T20:00:01.000000000Z", 5.25e9, 2048, 3);
  expect(toPoint(undefined, a)).toEqual({ time: Date.parse("2026-11-29T20:00:00Z") / 1000, cpuPercent: 0, memory: 1024, pids: 2 });
  expect(toPoint(a, b)).toEqual({ time: Date.parse("2026-11-29T20:00:01Z") / 1000, cpuPercent: 25, memory: 2048, pids: 3 });
  // Two CPUs busy: 200 %; a counter that went back (a new cgroup) or no time between: 0.
  expect(toPoint(a, stats("2026-11-29T20:00:00.500Z", 6e9, 0, 0)).cpuPercent).toBe(200);
  expect(toPoint(b, stats("2026-11-29T20:00:02Z", 1e9, 0, 0)).cpuPercent).toBe(0);
  expect(toPoint(a, stats("2026-11-29T20:00:00Z", 9e9, 0, 0)).cpuPercent).toBe(0);
});
