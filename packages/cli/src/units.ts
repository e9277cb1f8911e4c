/**
 * Sizes and times as people type and read them: "64m" or "1GiB" in flags, "64.0MiB" and "1.25s" in tables, "10m"
 * ago, "500ms" or "1m" as a duration. The one units module of the CLI and the bench (packages/bench).
 */
import { durationMs, sizeBytes } from "@berth/protocol";
import { UsageError } from "./args.ts";

/** Bytes from "1048576", "512k", "64m", "1g", "2GiB" (powers of 1024); "-1" stays -1, "no limit" to the API. */
export function parseSize(flag: string, value: string): number {
  const bytes = value === "-1" ? -1 : sizeBytes(value);
  if (bytes === undefined) throw new UsageError(`--${flag} must be a size such as 67108864, 512k, 64m or 1g (or -1), not ${JSON.stringify(value)}`);
  return bytes;
}

/** Bytes in a mebibyte, for figures given in MiB. */
export const MiB = 1024 ** 2;

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return i === 0 ? `${n}B` : `${v.toFixed(1)}${units[i]}`;
}

/** Nanoseconds of CPU time, in seconds. */
export function formatNanos(ns: number): string {
  return `${(ns / 1e9).toFixed(2)}s`;
}

/** Milliseconds from a duration flag ("500ms", "10s", "1m", "2h", "1d"), or a usage error naming the flag. */
export function parseDuration(flag: string, value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new UsageError(`--${flag} must be a duration such as 500ms, 10s or 1m, not ${JSON.stringify(value)}`);
  return ms;
}

/** An RFC 3339 time as given, or a duration ago ("90s", "10m", "2h", "1d") as an RFC 3339 time. */
export function parseSince(value: string, now = Date.now()): string {
  const ms = durationMs(value);
  return ms === undefined ? value : new Date(now - ms).toISOString();
}
