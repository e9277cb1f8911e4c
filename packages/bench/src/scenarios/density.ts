/**
 * density: N idle containers; the memory of each per-container monitor (berth-shim, containerd-shim-runc-v2, conmon;
 * raw runc has none) and of the daemon (podman has none), from /proc/<pid>/smaps_rollup, plus all of it per container
 * with the inits.
 */
import { sleep } from "../exec.ts";
import { pool } from "../load.ts";
import { MiB } from "@berth/cli";
import { memoryOf, smapsRollup } from "../memory.ts";
import type { SystemName } from "../result.ts";
import { addTo, type MetricDef, put, roundsOverTargets, type Scenario, section, withTargets } from "../scenario.ts";
import { median } from "../stats.ts";

const SETTLE_MS = 1500;

const defs = {
  monitors: { key: "monitors", label: "monitor processes", unit: "", better: "none" },
  pss: { key: "monitor_pss", label: "per-monitor PSS median", unit: "MiB", better: "lower" },
  rss: { key: "monitor_rss", label: "per-monitor RSS median", unit: "MiB", better: "lower" },
  priv: { key: "monitor_private", label: "per-monitor private median", unit: "MiB", better: "lower" },
  pssSum: { key: "monitor_pss_sum", label: "all monitors PSS sum", unit: "MiB", better: "lower" },
  rssSum: { key: "monitor_rss_sum", label: "all monitors RSS sum", unit: "MiB", better: "lower" },
  privSum: { key: "monitor_private_sum", label: "all monitors private sum", unit: "MiB", better: "lower" },
  daemonRss: { key: "daemon_rss", label: "daemon RSS", unit: "MiB", better: "lower" },
  daemonPss: { key: "daemon_pss", label: "daemon PSS", unit: "MiB", better: "lower" },
  perContainer: { key: "per_container_pss", label: "PSS per container (init + monitor + daemon/N)", unit: "MiB", better: "lower" },
} satisfies Record<string, MetricDef>;

export const density: Scenario = {
  name: "density",
  summary: "N idle containers: per-shim RSS, PSS and private memory (median and sum) and the daemon's own",
  async run(ctx, out) {
    const n = ctx.flags.n ?? 100;
    out.params = { n, rounds: ctx.flags.rounds };
    const figures = new Map<SystemName, Map<string, number[]>>();
    const record = (system: SystemName, key: string, value: number | undefined) => {
      if (value === undefined) return;
      const m = figures.get(system) ?? figures.set(system, new Map()).get(system)!;
      addTo(m, key, value);
    };
    const systems = await withTargets(this, ctx, out, async (targets) => {
      await roundsOverTargets(targets.all, ctx.flags.rounds, "density", async (t, phase) => {
        const created = await pool(n, 10, () => t.create(ctx.id(), ctx.bundles.sleeper), (done) => ctx.progress.set(`${phase} | ${t.name} ${done}/${n}`));
        for (const e of created.errors.slice(0, 3)) out.errors.push(`${t.name}: ${e}`);
        ctx.progress.set(`${phase} | ${t.name} settling, then reading smaps_rollup`);
        await sleep(SETTLE_MS);
        const { daemon, monitors } = t.processes();
        const m = memoryOf(monitors);
        const d = daemon ? smapsRollup(daemon) : undefined;
        const inits = memoryOf(created.results.filter((x) => x !== undefined).map((x) => x.pid));
        const running = inits.count || 1;
        record(t.name, "monitors", m.count);
        if (m.count > 0) {
          record(t.name, "monitor_pss", m.median.pss / MiB);
          record(t.name, "monitor_rss", m.median.rss / MiB);
          record(t.name, "monitor_private", m.median.private / MiB);
          record(t.name, "monitor_pss_sum", m.sum.pss / MiB);
          record(t.name, "monitor_rss_sum", m.sum.rss / MiB);
          record(t.name, "monitor_private_sum", m.sum.private / MiB);
        }
        if (d) {
          record(t.name, "daemon_rss", d.rss / MiB);
          record(t.name, "daemon_pss", d.pss / MiB);
        }
        record(t.name, "per_container_pss", (m.sum.pss + (d?.pss ?? 0) + inits.sum.pss) / running / MiB);
        ctx.progress.set(`${phase} | ${t.name} removing`);
        await t.removeAll();
      });
      return targets.all;
    });
    const s = section(out, `N=${n}`);
    for (const t of systems) {
      const m = figures.get(t.name) ?? new Map<string, number[]>();
      for (const def of Object.values(defs)) {
        const values = m.get(def.key);
        put(s, def, t.name, values?.length ? median(values) : null, values);
      }
    }
    out.notes.push(
      `read ${SETTLE_MS / 1000} s after the last create; PSS shares each file-backed page among the processes mapping it, so it falls as N grows`,
      "raw runc has no monitor and no daemon: its per-container figure is the init alone; podman has no daemon, its monitor is conmon",
    );
  },
};
