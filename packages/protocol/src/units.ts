/**
 * Sizes and durations as people write them, parsed in one place for berthd's flags, the CLI and the bench; each
 * caller turns `undefined` into its own error (a usage error, invalid_argument).
 */

const POWERS: Record<string, number> = { "": 0, b: 0, k: 1, m: 2, g: 3, t: 4 };
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Bytes from "1048576", "512k", "64m", "1g", "16MiB", "2GB" (powers of 1024, as docker reads them); else undefined. */
export function sizeBytes(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * 1024 ** POWERS[(m[2] ?? m[3] ?? "").toLowerCase()]!);
}

/** Milliseconds from "500ms", "10s", "1.5m", "2h", "1d"; else undefined. */
export function durationMs(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * DURATION_MS[m[2]!]!) : undefined;
}
