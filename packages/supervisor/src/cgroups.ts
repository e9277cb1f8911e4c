/** Reading a container's cgroups directly (no runtime call): its pids, for listings that must stay cheap. */
import { readFileSync } from "node:fs";

const CGROUP_ROOT = "/sys/fs/cgroup";

/** The cgroup.procs file that lists every process of the cgroup `pid` is in (pids controller on v1, unified on v2). */
export function procsFileOf(pid: number): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  } catch {
    return undefined;
  }
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes("pids"));
  if (v1) return `${CGROUP_ROOT}/pids${v1.split(":")[2]}/cgroup.procs`;
  const v2 = lines.find((l) => l.startsWith("0::"));
  return v2 ? `${CGROUP_ROOT}${v2.slice(3)}/cgroup.procs` : undefined;
}

export function readPids(procsFile: string | undefined): number[] {
  if (!procsFile) return [];
  try {
    return readFileSync(procsFile, "utf8").split("\n").filter(Boolean).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Whether the freezer holds the cgroup of `pid` frozen (a paused container); v1 freezer or v2 cgroup.freeze. */
export function isFrozen(pid: number): boolean {
  let lines: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  } catch {
    return false;
  }
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes("freezer"));
  try {
    if (v1) return readFileSync(`${CGROUP_ROOT}/freezer${v1.split(":")[2]}/freezer.state`, "utf8").trim() !== "THAWED";
    const v2 = lines.find((l) => l.startsWith("0::"));
    return v2 !== undefined && readFileSync(`${CGROUP_ROOT}${v2.slice(3)}/cgroup.freeze`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}
