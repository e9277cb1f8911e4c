/** A container's pids and freezer state, read from its cgroups (located by @berth/sys) with no runtime call. */
import { readFileSync } from "node:fs";
import { cgroupsOf } from "@berth/sys";

/** The cgroup.procs file listing every process of the cgroup `pid` is in (pids controller on v1, unified on v2). */
export function procsFileOf(pid: number): string | undefined {
  const dir = cgroupsOf(pid)?.dir("pids");
  return dir === undefined ? undefined : `${dir}/cgroup.procs`;
}

export function readPids(procsFile: string | undefined): number[] {
  if (!procsFile) return [];
  try {
    return readFileSync(procsFile, "utf8").split("\n").filter(Boolean).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Whether the freezer holds the cgroup of `pid` frozen (a paused container): v1 freezer.state or v2 cgroup.freeze. */
export function isFrozen(pid: number): boolean {
  const cgroups = cgroupsOf(pid);
  const dir = cgroups?.dir("freezer");
  if (!cgroups || dir === undefined) return false;
  try {
    if (cgroups.version === 1) return readFileSync(`${dir}/freezer.state`, "utf8").trim() !== "THAWED";
    return readFileSync(`${dir}/cgroup.freeze`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}
