/** lifecycle: C workers loop create → start → wait → delete of a `true` container for a duration; CPU by process kind. */
import { loopFor } from "../load.ts";
import type { SystemName } from "../result.ts";
import { accounted, addTo, CpuTally, put, putErrors, roundsOverTargets, type Scenario, section, withTargets } from "../scenario.ts";
import { median, sum } from "../stats.ts";

export const lifecycle: Scenario = {
  name: "lifecycle",
  summary: "for a duration, C workers loop create → start → wait → delete of a `true` container: containers/s, errors",
  async run(ctx, out) {
    const durationMs = ctx.flags.durationMs ?? 10_000;
    const c = ctx.flags.concurrency?.[0] ?? 10;
    out.params = { duration: `${durationMs / 1000}s`, concurrency: c, rounds: ctx.flags.rounds };
    await withTargets(this, ctx, out, async (targets) => {
      const s = section(out, `C=${c}`);
      const rates = new Map<SystemName, number[]>();
      const errors = new Map<SystemName, string[]>();
      const cpu = new CpuTally();
      await roundsOverTargets(targets.all, ctx.flags.rounds, `lifecycle C=${c}`, async (t, phase) => {
        const { value: outcome, cpu: used } = await accounted(ctx, targets, t, () => loopFor(durationMs, c, async () => {
          const status = await t.runToExit(ctx.id(), ctx.bundles.trueOne);
          if (status !== 0) throw new Error(`exit status ${status}, expected 0`);
        }, (done, failed) => ctx.progress.set(`${phase} | ${t.name} ${done} done, ${failed} errors`)));
        cpu.add(t.name, used, outcome.completed);
        await t.removeAll();
        addTo(rates, t.name, outcome.completed / (outcome.elapsedMs / 1000));
        addTo(errors, t.name, ...outcome.errors);
      });
      for (const t of targets.all) {
        const perRound = rates.get(t.name) ?? [];
        put(s, { key: "rate", label: "containers/s", unit: "1/s", better: "higher" }, t.name, median(perRound), perRound);
        putErrors(s, out, t.name, errors.get(t.name) ?? []);
      }
      out.detail = { completedPerRound: Object.fromEntries([...rates].map(([k, v]) => [k, v])), errorCount: sum([...errors.values()].map((e) => e.length)) };
      cpu.put(ctx, out, `C=${c}`, targets.all);
      out.notes.push("one cycle: berth POST + exit event + DELETE of the stopped container (answered once it is cleaned up); runc `run` in the foreground; containerd `ctr run --rm`; podman `podman run --rm`");
    });
  },
};
