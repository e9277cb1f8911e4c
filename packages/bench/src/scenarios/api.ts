/** api: GET /v1/containers with N containers under HTTP load (wrk, else an in-process client); GET /healthz beside it. */
import { httpClient } from "../flags.ts";
import { bunLoad, type LoadResult, wrk } from "../httpload.ts";
import { pool } from "../load.ts";
import { addTo, put, type Scenario, section, withTargets } from "../scenario.ts";
import { median, sum } from "../stats.ts";

const PATHS = ["/v1/containers", "/healthz"];

export const api: Scenario = {
  name: "api",
  summary: "GET /v1/containers with N containers under load (wrk or an in-process client): requests/s and p99",
  peers: [],
  async run(ctx, out) {
    const n = ctx.flags.n ?? 100;
    const durationMs = ctx.flags.durationMs ?? 5000;
    const connections = ctx.flags.concurrency?.[0] ?? 16;
    const rounds = ctx.flags.rounds;
    const client = httpClient(ctx.flags.client);
    out.params = { n, duration: `${durationMs / 1000}s`, connections, client, rounds };
    const results = new Map<string, LoadResult[]>();
    await withTargets(this, ctx, out, async ({ berth }) => {
      const created = await pool(n, 10, () => berth.create(ctx.id(), ctx.bundles.sleeper), (done) => ctx.progress.set(`api | creating ${done}/${n}`));
      if (created.errors.length) throw new Error(`create: ${created.errors[0]}`);
      const listed = (await berth.listRunning()).size;
      if (listed !== n) out.errors.push(`GET /v1/containers listed ${listed} running, expected ${n}`);
      for (let r = 0; r < rounds; r++) {
        for (const path of PATHS) {
          ctx.progress.set(`api round ${r + 1}/${rounds} | GET ${path} for ${durationMs / 1000} s with ${connections} connections (${client})`);
          const result = client === "wrk"
            ? await wrk(`${berth.tcpUrl}${path}`, { authorization: `Bearer ${berth.token}` }, connections, durationMs)
            : await bunLoad(() => berth.fetch(path), connections, durationMs);
          addTo(results, path, result);
        }
      }
      await berth.removeAll();
    }, { tcp: client === "wrk" });
    for (const path of PATHS) {
      const rs = results.get(path) ?? [];
      const s = section(out, `GET ${path}`);
      put(s, { key: "rps", label: "requests/s", unit: "1/s", better: "higher" }, "berth", median(rs.map((x) => x.rps)), rs.map((x) => x.rps));
      put(s, { key: "p50", label: "p50", unit: "ms", better: "lower" }, "berth", median(rs.map((x) => x.p50)));
      put(s, { key: "p99", label: "p99", unit: "ms", better: "lower" }, "berth", median(rs.map((x) => x.p99)), rs.map((x) => x.p99));
      put(s, { key: "failures", label: "failed requests", unit: "", better: "lower" }, "berth", sum(rs.map((x) => x.failures)));
    }
    out.notes.push(client === "wrk"
      ? "wrk (2 threads) over TCP on 127.0.0.1 with the bearer token, on the same 2 cores as berthd"
      : "in-process fetch over the unix socket, on the same 2 cores as berthd");
  },
};
