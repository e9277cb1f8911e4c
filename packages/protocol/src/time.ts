/** RFC 3339 timestamps with nanoseconds, as docs/api.md requires; the digits past milliseconds come from a monotonic clock. */
const originMs = Date.now();
const originNs = process.hrtime.bigint();

export function nowRfc3339(): string {
  const ns = BigInt(originMs) * 1_000_000n + (process.hrtime.bigint() - originNs);
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** Parses an RFC 3339 time to nanoseconds since the epoch, for exact comparisons; undefined when invalid. */
export function parseRfc3339Ns(s: string): bigint | undefined {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls impossible dates over (Feb 30 is Mar 2): the calendar date must read back the same.
  const date = m[1]!.slice(0, 10);
  if (new Date(Date.parse(`${date}T00:00:00Z`)).toISOString().slice(0, 10) !== date) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}
