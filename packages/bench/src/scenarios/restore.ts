/**
 * restore: N running containers, the daemon SIGKILLed and started again: how long until it answers, and until it
 * says it has restored and lists all N running. One more container is killed while the daemon is down: does its
 * exit reach a subscriber that connects after the restart? Raw runc has no daemon: its figure is how long
 * `runc list` takes to list the N. Whether berthd restores is detected: if it answers, says it is not restoring
 * and lists none of the N for 2 s, Berth's figure is skipped ("berthd does not restore yet").
 */
import { pool } from "../load.ts";
import { kill, waitGone } from "../procs.ts";
import type { SystemName } from "../result.ts";
import { addTo, distinct, put, roundsOverTargets, type Scenario, section, withTargets } from "../scenario.ts";
import type { Target } from "../targets/index.ts";
import { median } from "../stats.ts";

interface Round {
  answeredMs?: number;
  /** Until restored and all N listed running; undefined when that did not happen. */
  listedMs?: number;
  listed: number;
  notRestoring?: boolean;
  lateExit?: { delivered: boolean; status?: number };
}

const RESTORE_TIMEOUT_MS = 30_000;
const NOT_RESTORING_AFTER_MS = 2_000;
const LATE_EXIT_WAIT_MS = 3_000;

export const restore: Scenario = {
  name: "restore",
  summary: "N running containers, SIGKILL the daemon, restart: time until it says restored and lists all N running",
  peers: ["runc", "containerd"],
  async run(ctx, out) {
    const n = ctx.flags.n ?? 100;
    out.params = { n, rounds: ctx.flags.rounds };
    const results = new Map<SystemName, Round[]>();
    const errors: string[] = [];
    const systems = await withTargets(this, ctx, out, async (targets) => {
      await roundsOverTargets(targets.all, ctx.flags.rounds, "restore", async (t, phase) => {
        try {
          const round = await measure(t, n, ctx.id, ctx.bundles.sleeper, (text) => ctx.progress.set(`${phase} | ${t.name} ${text}`));
          addTo(results, t.name, round);
        } catch (err) {
          errors.push(`${t.name}: ${(err as Error).message}`);
        }
        ctx.progress.set(`${phase} | ${t.name} removing`);
        await t.removeAll();
      });
      return targets.all;
    });
    const s = section(out, `N=${n}`);
    for (const t of systems) {
      const rs = results.get(t.name) ?? [];
      const listed = rs.map((x) => x.listedMs).filter((x): x is number => x !== undefined);
      const answered = rs.map((x) => x.answeredMs).filter((x): x is number => x !== undefined);
      if (t.daemon) put(s, { key: "answered", label: "answers after restart", unit: "ms", better: "lower" }, t.name, median(answered), answered);
      put(s, { key: "listed", label: t.daemon ? "restored, all N listed running" : "all N listed running (runc list)", unit: "ms", better: "lower" },
        t.name, listed.length === rs.length && rs.length > 0 ? median(listed) : null, listed);
      if (t.daemon) {
        const late = rs.map((x) => x.lateExit).filter((x) => x !== undefined);
        put(s, { key: "late_exit", label: "exit while down reaches a later subscriber", unit: "bool", better: "higher" },
          t.name, late.length ? Number(late.every((x) => x.delivered)) : null);
      }
      const partial = rs.filter((x) => x.listedMs === undefined && !x.notRestoring);
      if (partial.length) errors.push(`${t.name}: listed only ${partial.map((x) => x.listed).join(", ")} of ${n} running after ${RESTORE_TIMEOUT_MS / 1000} s`);
    }
    const berthRounds = results.get("berth") ?? [];
    if (berthRounds.some((x) => x.notRestoring)) {
      out.status = "skipped";
      out.reason = `berthd does not restore yet: after a restart /healthz answered (not restoring) but none of the ${n} running containers were listed`;
    }
    for (const e of distinct(errors, 6)) out.errors.push(e);
    out.detail = { rounds: Object.fromEntries(results) };
    out.notes.push(
      "timed from spawning the daemon; 'answers' is /healthz (berth) or `ctr version` (containerd) succeeding, polled back to back",
      "listing is polled back to back: GET /v1/containers (about 1 ms) for berth, `ctr task list` (a Go binary, about 15 ms) for containerd",
    );
  },
};

async function measure(t: Target, n: number, id: () => string, bundle: string, progress: (text: string) => void): Promise<Round> {
  const ids = Array.from({ length: n }, () => id());
  const created = await pool(n, 10, (i) => t.create(ids[i]!, bundle), (done) => progress(`creating ${done}/${n}`));
  if (created.errors.length) throw new Error(`create: ${created.errors[0]}`);
  const daemon = t.daemon;
  if (!daemon) {
    progress("listing");
    const t0 = performance.now();
    const running = await t.listRunning();
    const ms = performance.now() - t0;
    const listed = ids.filter((x) => running.has(x)).length;
    return { listed, ...(listed === n ? { listedMs: ms } : {}) };
  }
  const victim = await t.create(id(), bundle);
  const marker = daemon.eventMarker();
  progress("killing the daemon");
  await daemon.kill();
  kill(victim.pid, "SIGKILL");
  await waitGone(victim.pid);
  progress("restarting the daemon");
  const t0 = performance.now();
  await daemon.start();
  const round: Round = { answeredMs: performance.now() - t0, listed: 0 };
  let quietSince: number | undefined;
  for (;;) {
    const now = performance.now();
    if (await daemon.restored().catch(() => false)) {
      const running = await t.listRunning().catch(() => new Set<string>());
      round.listed = ids.filter((x) => running.has(x)).length;
      if (round.listed === n) {
        round.listedMs = performance.now() - t0;
        break;
      }
      quietSince ??= now;
      if (round.listed === 0 && now - quietSince > NOT_RESTORING_AFTER_MS) {
        round.notRestoring = true;
        break;
      }
    }
    if (now - t0 > RESTORE_TIMEOUT_MS) break;
    progress(`waiting for ${n} listed (${round.listed} so far)`);
  }
  progress("checking the late exit");
  const sub = await daemon.subscribe(marker);
  const status = await sub.feed.wait(victim.id, LATE_EXIT_WAIT_MS).catch(() => undefined);
  sub.close();
  round.lateExit = { delivered: status !== undefined, ...(status !== undefined ? { status } : {}) };
  return round;
}
