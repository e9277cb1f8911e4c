/**
 * Where a process's cgroups are, read from /proc (no runtime call): the dir of each controller on cgroup v1, or
 * the one unified dir on v2, told apart at run time from /proc/<pid>/cgroup and placed through our mountinfo.
 * Also the flat-keyed format ("name value" lines) that memory.stat, cpu.stat, memory.events and
 * memory.oom_control share.
 */
import { readFileSync } from "node:fs";

export interface Cgroups {
  /** 1 when the process is in v1 controller hierarchies (also in hybrid mode), 2 when only in the unified one. */
  version: 1 | 2;
  /** The dir holding `controller`'s files (e.g. "memory"), or undefined when that controller is not mounted. */
  dir(controller: string): string | undefined;
  /** Where `controller`'s hierarchy (v1) or the unified one (v2) is mounted, or undefined when it is not. */
  mountPoint(controller: string): string | undefined;
}

interface Mount {
  point: string;
  root: string;
}

/** The cgroups of `pid`, or undefined when it is gone. */
export function cgroupsOf(pid: number): Cgroups | undefined {
  let membership: string;
  try {
    membership = readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return undefined;
  }
  return parseCgroups(membership, readFileSync("/proc/self/mountinfo", "utf8"));
}

/** Cgroups from the text of /proc/<pid>/cgroup and of /proc/self/mountinfo. */
export function parseCgroups(membership: string, mountinfo: string): Cgroups {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of membership.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controllers === "") unified = path;
    else for (const c of controllers.split(",")) if (!c.startsWith("name=")) v1.set(c, path);
  }
  const mounts = cgroupMounts(mountinfo);
  const at = (mount: Mount | undefined, path: string | undefined) => {
    if (!mount || path === undefined) return undefined;
    const inside = mount.root !== "/" && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
    return mount.point + (inside === "/" ? "" : inside);
  };
  if (v1.size > 0) {
    return { version: 1, dir: (controller) => at(mounts.v1.get(controller), v1.get(controller)), mountPoint: (controller) => mounts.v1.get(controller)?.point };
  }
  return { version: 2, dir: () => at(mounts.unified, unified), mountPoint: () => mounts.unified?.point };
}

/** cgroup mounts from mountinfo: "id parent dev root point options [optional...] - fstype source super-options". */
function cgroupMounts(mountinfo: string): { v1: Map<string, Mount>; unified: Mount | undefined } {
  const v1 = new Map<string, Mount>();
  let unified: Mount | undefined;
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (!before || !after) continue;
    const fields = before.split(" ");
    const [fstype, , superOptions = ""] = after.split(" ");
    const mount = { root: fields[3] ?? "/", point: fields[4] ?? "" };
    if (fstype === "cgroup2") unified ??= mount;
    else if (fstype === "cgroup") for (const option of superOptions.split(",")) v1.set(option, mount);
  }
  return { v1, unified };
}

/** A flat-keyed cgroup file as numbers by name; empty when it cannot be read (the cgroup is gone). */
export function readKeyed(path: string): Record<string, number> {
  const values: Record<string, number> = {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return values;
  }
  for (const line of text.split("\n")) {
    const [key, value] = line.split(" ");
    if (key && value !== undefined && /^\d+$/.test(value)) values[key] = Number(value);
  }
  return values;
}
