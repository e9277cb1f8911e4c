/**
 * HTTP load on one URL for a duration: wrk (over TCP with the bearer token) when installed, else a client in this
 * process (fetch over the unix socket). Both report requests/s, p50, p99 and failures.
 */
import { lastLines, run } from "./exec.ts";
import { stopping } from "./cleanup.ts";
import { summarize } from "./stats.ts";

export interface LoadResult {
  client: "wrk" | "bun";
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

export async function wrk(url: string, headers: Record<string, string>, connections: number, durationMs: number): Promise<LoadResult> {
  const argv = ["wrk", "--threads", "2", "--connections", String(Math.max(connections, 2)), "--duration", `${Math.max(1, Math.round(durationMs / 1000))}s`, "--latency",
    ...Object.entries(headers).flatMap(([k, v]) => ["--header", `${k}: ${v}`]), url];
  const r = await run(argv, { timeoutMs: durationMs + 30_000 });
  if (r.code !== 0) throw new Error(`wrk: exit ${r.code}: ${lastLines(r.stderr || r.stdout)}`);
  return parseWrk(r.stdout);
}

/** Reads wrk's --latency report. */
export function parseWrk(text: string): LoadResult {
  const time = (pct: string) => {
    const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text);
    if (!m) return Number.NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "ms"];
  };
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    client: "wrk",
    requests,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN),
    p50: time("50"),
    p99: time("99"),
    failures: non2xx + socketErrors,
  };
}

/** `connections` loops of fetch for the duration, in this process (which then competes for the same cores). */
export async function bunLoad(request: () => Promise<Response>, connections: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < deadline && !stopping()) {
      const t0 = performance.now();
      try {
        const res = await request();
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  const s = summarize(latencies);
  return { client: "bun", requests: latencies.length, rps: latencies.length / ((performance.now() - start) / 1000), p50: s.p50, p99: s.p99, failures };
}
