/** Memory of processes from /proc/<pid>/smaps_rollup: RSS, PSS and private (clean + dirty) bytes. */
import { procFile } from "./procs.ts";
import { median, sum } from "./stats.ts";

export interface Memory {
  rss: number;
  pss: number;
  private: number;
}

/** The memory of `pid`, or undefined when it is gone. */
export function smapsRollup(pid: number): Memory | undefined {
  const text = procFile(pid, "smaps_rollup");
  if (text === undefined) return undefined;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib("Rss"), pss: kib("Pss"), private: kib("Private_Clean") + kib("Private_Dirty") };
}

export interface MemoryStats {
  count: number;
  median: Memory;
  sum: Memory;
}

/** Median and sum over the processes that could be read. */
export function memoryOf(pids: readonly number[]): MemoryStats {
  const all = pids.map(smapsRollup).filter((m): m is Memory => m !== undefined);
  const pick = (key: keyof Memory) => all.map((m) => m[key]);
  return {
    count: all.length,
    median: { rss: median(pick("rss")) || 0, pss: median(pick("pss")) || 0, private: median(pick("private")) || 0 },
    sum: { rss: sum(pick("rss")), pss: sum(pick("pss")), private: sum(pick("private")) },
  };
}

