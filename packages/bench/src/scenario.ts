/** What every scenario gets (flags, work dir, bundles, progress, ids, targets) and the helpers they share. */
import { loadavg } from "node:os";
import { join } from "node:path";
import { type Breakdown, type CpuAccounting, ROLE_LABELS, ROLES, type Role } from "./cpu.ts";
import { cpuBusy, waitQuiet } from "./host.ts";
import type { Progress } from "./output.ts";
import { median } from "./stats.ts";
import { addRatios, type Metric, type ScenarioResult, type Section, type SystemName } from "./result.ts";
import { type OpenTargets, openTargets, type Target } from "./targets/index.ts";
import type { BerthOptions } from "./targets/berth.ts";
import type { Bundles } from "./workdir.ts";

export interface Flags {
  n?: number;
  concurrency?: number[];
  durationMs?: number;
  /** Measurements per system, interleaved (--rounds). */
  rounds: number;
  /** Peers to measure beside Berth. */
  peers: SystemName[];
  mib?: number;
  logMaxSize?: string;
  client?: "wrk" | "bun";
  json?: string;
  quiet: boolean;
  /** Before each scenario, wait up to this long for other work to leave the CPUs alone. */
  waitQuietMs?: number;
}

export interface Context {
  work: string;
  bundles: Bundles;
  flags: Flags;
  progress: Progress;
  /** Where daemon logs are kept, a dir per scenario (beside the JSON file). */
  logDir: string;
  /** A container id unique in this run: `<idPrefix>-<n>`. */
  id(): string;
  /** What every container id (and podman's cgroup parent) of this run starts with: b<pid in base 36>. */
  idPrefix: string;
  /** CPU accounting by process kind, or why there is none. */
  cpu: CpuAccounting | string;
}

export interface Scenario {
  name: string;
  summary: string;
  /** Peers this scenario compares Berth with (the others are never started for it); every peer when absent. */
  peers?: readonly SystemName[];
  run(ctx: Context, out: ScenarioResult): Promise<void>;
}

/** Other work using more than this share of the CPUs around a scenario makes its figures suspect. */
const BUSY = 0.2;

export type MetricDef = Pick<Metric, "key" | "label" | "unit" | "better">;

/** Runs one scenario into a result; a failure is recorded in it, not thrown. */
export async function runScenario(scenario: Scenario, ctx: Context): Promise<ScenarioResult> {
  const waitStart = Date.now();
  if (ctx.flags.waitQuietMs) {
    await waitQuiet(ctx.flags.waitQuietMs, (busy) => ctx.progress.set(`${scenario.name} | waiting for a quiet machine (others use ${Math.round(busy * 100)}% of the CPUs)`));
  }
  const started = Date.now();
  const out: ScenarioResult = {
    scenario: scenario.name,
    status: "ok",
    params: {},
    systems: [],
    sections: [],
    notes: [],
    errors: [],
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    load: { loadavg: loadavg(), othersCpu: await cpuBusy(), waitedForQuietMs: started - waitStart },
  };
  try {
    await scenario.run(ctx, out);
  } catch (err) {
    out.status = "failed";
    out.reason = (err as Error).message;
  } finally {
    ctx.progress.clear();
  }
  addRatios(out);
  out.durationMs = Date.now() - started;
  if (out.load.othersCpu > BUSY) out.notes.push(`other work kept ${Math.round(out.load.othersCpu * 100)}% of the CPUs busy just before this scenario: figures are less reliable`);
  return out;
}

/**
 * Berth and the scenario's peers, set up, handed to `fn` and closed after it whatever happens; `fn`'s value. Peers
 * that failed to start are noted in `out.errors`; `out.systems` lists what runs.
 */
export async function withTargets<T>(scenario: Scenario, ctx: Context, out: ScenarioResult, fn: (targets: OpenTargets) => Promise<T>, berthOptions: BerthOptions = {}): Promise<T> {
  const peers = ctx.flags.peers.filter((p) => scenario.peers?.includes(p) ?? true);
  ctx.progress.set(`${scenario.name} | starting berthd${peers.length ? ` and ${peers.join(", ")}` : ""}`);
  const targets = await openTargets(ctx.work, ctx.idPrefix, peers, berthOptions, join(ctx.logDir, scenario.name));
  out.systems = targets.all.map((t) => t.name);
  for (const f of targets.failed) out.errors.push(`left out ${f}`);
  try {
    return await fn(targets);
  } finally {
    await targets.close();
  }
}

/**
 * Measures each target once per round, `rounds` rounds, the systems in turn. Their order is rotated each round, so
 * none always goes first (warm caches, a quieter machine). `each` gets the target and the phase for progress
 * lines, "<label> round <r>/<rounds>".
 */
export async function roundsOverTargets(targets: readonly Target[], rounds: number, label: string, each: (t: Target, phase: string) => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const k = r % Math.max(targets.length, 1);
    for (const t of [...targets.slice(k), ...targets.slice(0, k)]) await each(t, `${label} round ${r + 1}/${rounds}`);
  }
}

export function section(out: ScenarioResult, title: string): Section {
  const s: Section = { title, metrics: [] };
  out.sections.push(s);
  return s;
}

/** Sets `system`'s figure of a metric in `s` (the metric is added on first use). */
export function put(s: Section, def: MetricDef, system: SystemName, value: number | null | undefined, rounds?: number[]): void {
  let m = s.metrics.find((x) => x.key === def.key);
  if (!m) {
    m = { ...def, values: {} };
    s.metrics.push(m);
  }
  m.values[system] = value === undefined || (typeof value === "number" && Number.isNaN(value)) ? null : value;
  if (rounds && rounds.length > 1) (m.rounds ??= {})[system] = rounds;
}

/** Appends to the list under `key`, made on first use. */
export function addTo<K, V>(map: Map<K, V[]>, key: K, ...values: V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, values);
}

/** Up to `count` distinct messages, for notes. */
export function distinct(messages: string[], count = 3): string[] {
  return [...new Set(messages)].slice(0, count);
}

/** The "errors" row of `system` in `s` (how many), and up to three distinct messages in `out.errors`, each after `where`. */
export function putErrors(s: Section, out: ScenarioResult, system: SystemName, errors: readonly string[], where: string = system): void {
  put(s, { key: "errors", label: "errors", unit: "", better: "lower" }, system, errors.length);
  for (const e of distinct([...errors])) out.errors.push(`${where}: ${e}`);
}

/**
 * Runs `fn` (one system's timed work) inside a CPU accounting window: what `t`'s processes spent meanwhile, the
 * other targets' daemons and subscribers left out. The window opens once what the previous system left running
 * has finished. No breakdown when the machine cannot account.
 */
export async function accounted<T>(ctx: Context, targets: OpenTargets, t: Target, fn: () => Promise<T>): Promise<{ value: T; cpu?: Breakdown }> {
  const acct = ctx.cpu;
  if (typeof acct === "string") return { value: await fn() };
  await acct.quiesce(targets.all.flatMap((x) => x.longLived()));
  const a = await acct.mark();
  const value = await fn();
  const b = await acct.mark();
  const daemon = t.processes().daemon;
  const exclude = targets.all.filter((x) => x !== t).flatMap((x) => x.longLived());
  return { value, cpu: acct.measure(a, b, { ...(daemon ? { daemon: { pid: daemon, name: t.name === "berth" ? "berthd" : t.name } } : {}), exclude }) };
}

/** CPU milliseconds per container, by role and by kind, one figure per round and system. */
export class CpuTally {
  private readonly rounds = new Map<SystemName, { byRole: Record<Role, number>; byKind: Record<string, number> }[]>();

  /** One round of `system`: `breakdown` over `containers` containers. */
  add(system: SystemName, breakdown: Breakdown | undefined, containers: number): void {
    if (!breakdown || containers === 0) return;
    const perContainer = (ns: number) => ns / containers / 1e6;
    addTo(this.rounds, system, {
      byRole: Object.fromEntries(ROLES.map((r) => [r, perContainer(breakdown.byRole[r])])) as Record<Role, number>,
      byKind: Object.fromEntries(Object.entries(breakdown.byKind).map(([k, ns]) => [k, perContainer(ns)])),
    });
  }

  /** A section "<title> CPU per container" (medians over rounds), its rows the roles any system used, then the total. */
  put(ctx: Context, out: ScenarioResult, title: string, systems: readonly Target[]): void {
    const acct = ctx.cpu;
    if (typeof acct === "string") {
      if (!out.notes.includes(acct)) out.notes.push(acct);
      return;
    }
    const s = section(out, `${title} CPU/container`);
    const used = ROLES.filter((r) => [...this.rounds.values()].some((rs) => rs.some((x) => x.byRole[r] > 0.005)));
    for (const t of systems) {
      const rs = this.rounds.get(t.name) ?? [];
      for (const role of used) {
        const values = rs.map((x) => x.byRole[role]);
        put(s, { key: `cpu_${role}`, label: ROLE_LABELS[role], unit: "ms", better: "lower" }, t.name, values.length ? median(values) : null, values);
      }
      const totals = rs.map((x) => ROLES.reduce((sum, r) => sum + x.byRole[r], 0));
      put(s, { key: "cpu_total", label: "all of the system's processes", unit: "ms", better: "lower" }, t.name, totals.length ? median(totals) : null, totals);
    }
    const kinds = (out.detail ??= {}) as Record<string, unknown>;
    kinds[`cpuByKind ${title}`] = Object.fromEntries([...this.rounds].map(([sys, rs]) => [sys, rs.map((x) => x.byKind)]));
    const note = "CPU/container: scheduler CPU time of each system's processes in the timed part (taskstats for those that exited, schedstat for the live), divided by the containers made; per kind in the JSON (detail.cpuByKind)";
    if (!out.notes.includes(note)) out.notes.push(note);
    if (acct.dropped > 0) out.notes.push(`the kernel dropped ${acct.dropped} exit records: CPU figures undercount`);
  }
}
