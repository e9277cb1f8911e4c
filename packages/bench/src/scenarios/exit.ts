/**
 * exit: kill → exit reported, per system. Two ways to kill: kill(2) of the init by pid ("direct", the same act for
 * every system, so the figure is the system's own exit path) and the system's control path ("api": HTTP signal,
 * `runc kill`, `ctr task kill`, `podman kill`). Berth's exit is the `exit` event on its SSE stream; containerd's
 * the /tasks/exit event from `ctr events`; podman's the `died` event from `podman events` (written by the
 * `podman container cleanup` that conmon runs when the container exits); runc's is its foreground `runc run` exiting.
 */
import { sleep } from "../exec.ts";
import type { SystemName } from "../result.ts";
import { addTo, put, putErrors, roundsOverTargets, type Scenario, section, withTargets } from "../scenario.ts";
import { summarize } from "../stats.ts";

type Mode = "direct" | "api";

export const exit: Scenario = {
  name: "exit",
  summary: "kill → exit event received: p50/p95/p99, by kill(2) of the init and by each system's own kill",
  async run(ctx, out) {
    const n = ctx.flags.n ?? 30;
    out.params = { samplesPerMode: n, rounds: ctx.flags.rounds };
    await withTargets(this, ctx, out, async (targets) => {
      const samples = new Map<string, number[]>();
      const errors = new Map<SystemName, string[]>();
      await roundsOverTargets(targets.all, ctx.flags.rounds, "exit", async (t, phase) => {
        const errs = errors.get(t.name) ?? errors.set(t.name, []).get(t.name)!;
        for (let i = 0; i < 2 * n; i++) {
          const mode: Mode = i % 2 === 0 ? "direct" : "api";
          ctx.progress.set(`${phase} | ${t.name} ${i + 1}/${2 * n}`);
          try {
            const id = ctx.id();
            const c = await t.createWatched(id, ctx.bundles.sleeper);
            await sleep(10); // let the system go idle after the create
            const t0 = performance.now();
            if (mode === "direct") process.kill(c.pid, "SIGKILL");
            else await t.signal(id, 9);
            const status = await Promise.race([c.exited, sleep(30_000).then(() => Number.NaN)]);
            const ms = (t.exitStamp?.(id) ?? performance.now()) - t0;
            if (status !== 137) throw new Error(`${mode}: exit status ${status}, expected 137`);
            addTo(samples, `${t.name}/${mode}`, ms);
            await t.remove(id).catch(() => {});
          } catch (err) {
            errs.push((err as Error).message);
          }
        }
        await t.removeAll();
      });
      for (const mode of ["direct", "api"] as const) {
        const s = section(out, mode === "direct" ? "kill(2)→exit" : "own kill→exit");
        for (const t of targets.all) {
          const sum = summarize(samples.get(`${t.name}/${mode}`) ?? []);
          put(s, { key: `${mode}_p50`, label: "p50", unit: "ms", better: "lower" }, t.name, sum.p50);
          put(s, { key: `${mode}_p95`, label: "p95", unit: "ms", better: "lower" }, t.name, sum.p95);
          put(s, { key: `${mode}_p99`, label: "p99", unit: "ms", better: "lower" }, t.name, sum.p99);
        }
      }
      const e = section(out, "");
      for (const t of targets.all) putErrors(e, out, t.name, errors.get(t.name) ?? []);
      out.detail = { samplesMs: Object.fromEntries(samples) };
      if (targets.all.some((t) => t.name === "podman")) {
        out.notes.push("podman: to the `died` event's own timestamp (written by the `podman container cleanup` conmon runs at the exit); `podman events` itself polls its file");
      }
      out.notes.push("own kill: berth POST /signal, `runc kill`, `ctr task kill`, `podman kill` (the last three include starting a Go binary)");
    });
  },
};
