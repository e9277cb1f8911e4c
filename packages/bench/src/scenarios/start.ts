/** start: N idle containers at concurrency C, per system: containers/s, create latency and CPU per container by process kind. */
import { pool } from "../load.ts";
import type { SystemName } from "../result.ts";
import { accounted, addTo, CpuTally, put, putErrors, roundsOverTargets, type Scenario, section, withTargets } from "../scenario.ts";
import { median, summarize } from "../stats.ts";

export const start: Scenario = {
  name: "start",
  summary: "N sleep containers at concurrency C: containers/s and latency min/p50/p95/p99/max",
  async run(ctx, out) {
    const n = ctx.flags.n ?? 100;
    const concurrency = ctx.flags.concurrency ?? [10, 50];
    out.params = { n, concurrency, rounds: ctx.flags.rounds };
    await withTargets(this, ctx, out, async (targets) => {
      for (const c of concurrency) {
        const s = section(out, `C=${c}`);
        const latency = new Map<SystemName, number[]>();
        const rates = new Map<SystemName, number[]>();
        const errors = new Map<SystemName, string[]>();
        const cpu = new CpuTally();
        await roundsOverTargets(targets.all, ctx.flags.rounds, `start C=${c}`, async (t, phase) => {
          const samples: number[] = [];
          const { value: outcome, cpu: used } = await accounted(ctx, targets, t, () => pool(n, c, async () => {
            const t0 = performance.now();
            await t.create(ctx.id(), ctx.bundles.sleeper);
            samples.push(performance.now() - t0);
          }, (done) => ctx.progress.set(`${phase} | ${t.name} ${done}/${n}`)));
          cpu.add(t.name, used, samples.length);
          ctx.progress.set(`${phase} | ${t.name} removing ${samples.length}`);
          await t.removeAll();
          addTo(latency, t.name, ...samples);
          addTo(rates, t.name, samples.length / (outcome.elapsedMs / 1000));
          addTo(errors, t.name, ...outcome.errors);
        });
        for (const t of targets.all) {
          const perRound = rates.get(t.name) ?? [];
          const lat = summarize(latency.get(t.name) ?? []);
          put(s, { key: "rate", label: "containers/s", unit: "1/s", better: "higher" }, t.name, median(perRound), perRound);
          put(s, { key: "p50", label: "latency p50", unit: "ms", better: "lower" }, t.name, lat.p50);
          put(s, { key: "p95", label: "latency p95", unit: "ms", better: "lower" }, t.name, lat.p95);
          put(s, { key: "p99", label: "latency p99", unit: "ms", better: "lower" }, t.name, lat.p99);
          put(s, { key: "min", label: "latency min", unit: "ms", better: "lower" }, t.name, lat.min);
          put(s, { key: "max", label: "latency max", unit: "ms", better: "lower" }, t.name, lat.max);
          putErrors(s, out, t.name, errors.get(t.name) ?? [], `${t.name} C=${c}`);
        }
        cpu.put(ctx, out, `C=${c}`, targets.all);
      }
      out.notes.push("latency: from the request (HTTP POST, `runc run -d`, `ctr run -d`, `podman run -d`) until it answers with the init running");
    });
  },
};
