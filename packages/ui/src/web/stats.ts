/**
 * Sampling `GET /v1/containers/{id}/stats` once a second while a container's page is open, and turning two
 * consecutive samples into chart points: CPU as a percentage of one CPU (like `top`), memory in bytes, pids.
 * The sampler stops when its page closes or when the container has no stats any more (stopped: 404/409).
 */
import type { Stats } from "@berth/protocol";
import { api, ApiError } from "./api.ts";
import { timeMs } from "./format.ts";

/** How often a page samples /stats: once a second. */
export const SAMPLE_MS = 1000;

/** One chart point: time in seconds since the epoch (uPlot's unit), CPU %, memory bytes, pids. */
export interface Point {
  time: number;
  cpuPercent: number;
  memory: number;
  pids: number;
}

/** The point of `next`, with CPU use since `previous` (0 for the first sample). */
export function toPoint(previous: Stats | undefined, next: Stats): Point {
  const t1 = timeMs(next.timestamp);
  let cpuPercent = 0;
  if (previous) {
    const elapsedNs = (t1 - timeMs(previous.timestamp)) * 1e6;
    if (elapsedNs > 0) cpuPercent = Math.max(0, ((next.cpu.usage.total - previous.cpu.usage.total) / elapsedNs) * 100);
  }
  return { time: t1 / 1000, cpuPercent, memory: next.memory.usage.usage, pids: next.pids.current };
}

/** Samples container `id` every SAMPLE_MS until `stop`; `ended` is called once if the container has no stats any more. */
export function sampleStats(id: string, onPoint: (point: Point) => void, ended: (reason: string) => void): { stop(): void } {
  let previous: Stats | undefined;
  let busy = false;
  const tick = async () => {
    if (busy) return; // a slow answer is not queued behind by another request
    busy = true;
    try {
      const stats = await api.stats(id);
      onPoint(toPoint(previous, stats));
      previous = stats;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) {
        clearInterval(timer);
        ended(err.message);
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, SAMPLE_MS);
  void tick();
  return { stop: () => clearInterval(timer) };
}
