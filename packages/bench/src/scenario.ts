/** What every scenario gets (flags, work dir, bundles, progress, ids, targets) and the helpers they share. */
import { loadavg } from "node:os";
import { join } from "node:path";
import { cpuBusy, waitQuiet } from "./host.ts";
import type { Progress } from "./output.ts";
import { addRatios, type Metric, type ScenarioResult, type Section, type SystemName } from "./result.ts";
import { type OpenTargets, openTargets } from "./targets/index.ts";
import type { BerthOptions } from "./targets/berth.ts";
import type { Bundles } from "./workdir.ts";

export interface Flags {
  n?: number;
  concurrency?: number[];
  durationMs?: number;
  rounds?: number;
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
  /** A container id unique in this run. */
  id(): string;
}

export interface Scenario {
  name: string;
  summary: string;
  /** Peers this scenario compares Berth with (the others are never started for it). */
  peers: readonly SystemName[];
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

/** Berth and the scenario's peers, set up; peers that failed are noted. `out.systems` lists what runs. */
export async function targetsFor(scenario: Scenario, ctx: Context, out: ScenarioResult, berthOptions: BerthOptions = {}): Promise<OpenTargets> {
  const peers = ctx.flags.peers.filter((p) => scenario.peers.includes(p));
  ctx.progress.set(`${scenario.name} | starting berthd${peers.length ? ` and ${peers.join(", ")}` : ""}`);
  const targets = await openTargets(ctx.work, peers, berthOptions, join(ctx.logDir, scenario.name));
  out.systems = targets.all.map((t) => t.name);
  for (const f of targets.failed) out.errors.push(`left out ${f}`);
  return targets;
}

/** The order of systems in round `r`: rotated, so none always goes first (warm caches, a quieter machine). */
export function rotate<T>(items: readonly T[], r: number): T[] {
  const k = r % Math.max(items.length, 1);
  return [...items.slice(k), ...items.slice(0, k)];
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
