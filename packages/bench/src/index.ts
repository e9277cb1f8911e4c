/**
 * @berth/bench: Berth's load tool and benchmarks (`bun run bench`, main.ts). What other code reuses: the shape of
 * its JSON results, and finding and removing what a run left (its smoke test checks a run left nothing).
 */
export type { Metric, ScenarioResult, Section, SystemName } from "./result.ts";
export { idPrefix, leftovers, sweepRun } from "./workdir.ts";
