/** A container's pids and freezer state, read from its cgroups (located by @berth/sys) with no runtime call. */
import { readFileSync } from "node:fs";
import { cgroupsOf } from "@berth/sys";

/**
 * Every process of a container, exact at each read: its cgroup.procs (pids controller on v1, unified on v2), read
 * anew each time (pids.ts decides when a read is needed). (Held open and read again from offset 0 it would cost a fifth, but cgroup v1 does not
 * regenerate it on a rewind: the second read of an open cgroup.procs is empty.)
 */
export class PidsReader {
  private readonly file: string | undefined;

  /** The cgroup.procs of the cgroup `pid` is in; a reader of nothing when there is none. */
  constructor(pid: number) {
    const dir = cgroupsOf(pid)?.dir("pids");
    this.file = dir === undefined ? undefined : `${dir}/cgroup.procs`;
  }

  /** The pids, sorted; [] once the cgroup is gone. */
  read(): number[] {
    if (this.file === undefined) return [];
    try {
      return readFileSync(this.file, "latin1").split("\n").filter(Boolean).map(Number).sort((a, b) => a - b);
    } catch {
      return [];
    }
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
