/**
 * The shape of results, shared by scenarios, the table and the JSON file. A metric holds one figure per system
 * (null when it could not be measured); ratios are Berth's figure divided by each peer's, whatever the direction
 * (`better` says which way is good).
 */

/** Every system the bench knows, in table order: Berth, then its peers (podman stands for podman with conmon). */
export const SYSTEMS = ["berth", "runc", "containerd", "podman"] as const;
export type SystemName = (typeof SYSTEMS)[number];
/** The systems Berth is compared with. */
export const PEERS: readonly SystemName[] = SYSTEMS.filter((s) => s !== "berth");

export interface Metric {
  key: string;
  label: string;
  unit: string;
  better: "higher" | "lower" | "none";
  values: Partial<Record<SystemName, number | null>>;
  /** The figure of each round, when the value is their median. */
  rounds?: Partial<Record<SystemName, number[]>>;
  ratios?: Partial<Record<SystemName, number | null>>;
}

export interface Section {
  title: string;
  metrics: Metric[];
}

export interface ScenarioResult {
  scenario: string;
  status: "ok" | "skipped" | "failed";
  reason?: string;
  params: Record<string, unknown>;
  systems: SystemName[];
  sections: Section[];
  notes: string[];
  errors: string[];
  startedAt: string;
  durationMs: number;
  /** Load average at the start (it still counts the previous scenario), and the share of the CPUs other work kept busy just before. */
  load: { loadavg: number[]; othersCpu: number; waitedForQuietMs: number };
  /** Anything else worth keeping (raw samples, per-round details). */
  detail?: Record<string, unknown>;
}

/** Fills in Berth ÷ peer for every metric that has both figures. */
export function addRatios(result: ScenarioResult): void {
  for (const section of result.sections) {
    for (const m of section.metrics) {
      const berth = m.values.berth;
      m.ratios = {};
      for (const peer of result.systems.filter((s) => s !== "berth")) {
        const other = m.values[peer];
        m.ratios[peer] = berth != null && other != null && other !== 0 && m.unit !== "bool" ? berth / other : null;
      }
    }
  }
}

export function metric(key: string, label: string, unit: string, better: Metric["better"]): Metric {
  return { key, label, unit, better, values: {} };
}
