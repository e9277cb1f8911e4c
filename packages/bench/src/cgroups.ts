/**
 * The cgroups a run's containers leave, found by name in every hierarchy (cgroup v1: one mount per controller under
 * /sys/fs/cgroup; v2: /sys/fs/cgroup itself). Every container of a run has a cgroup named after its id (runc's
 * default without a cgroupsPath) or under a parent named with the run's id prefix (podman's --cgroup-parent), so
 * what a run left can be killed and removed by name even when no runtime can see it any more.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kill } from "./procs.ts";

const ROOT = "/sys/fs/cgroup";

/** The hierarchies' root dirs. */
function hierarchies(): string[] {
  if (existsSync(join(ROOT, "cgroup.procs"))) return [ROOT];
  try {
    return readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(ROOT, e.name));
  } catch {
    return [];
  }
}

function subtree(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  return [...entries.flatMap((e) => subtree(join(dir, e))), dir];
}

/** Cgroup dirs whose top-level name `match`es, in every hierarchy, with everything below them; deepest first. */
export function cgroupsNamed(match: (name: string) => boolean): string[] {
  return hierarchies().flatMap((h) => {
    let names: string[];
    try {
      names = readdirSync(h, { withFileTypes: true }).filter((e) => e.isDirectory() && match(e.name)).map((e) => e.name);
    } catch {
      return [];
    }
    return names.flatMap((n) => subtree(join(h, n)));
  });
}

/** The pids in one cgroup (not below it). */
export function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs everything in `dirs` (thawing frozen ones first, or a frozen process never dies) until they are empty
 * or `timeoutMs` has passed; returns the pids still there.
 */
export async function killCgroups(dirs: string[], timeoutMs = 10_000): Promise<number[]> {
  for (const dir of dirs) {
    for (const file of ["freezer.state", "cgroup.freeze"]) {
      if (existsSync(join(dir, file))) {
        try {
          writeFileSync(join(dir, file), file === "freezer.state" ? "THAWED" : "0");
        } catch {}
      }
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [...new Set(dirs.flatMap(cgroupProcs))];
    if (left.length === 0 || Date.now() > deadline) return left;
    for (const pid of left) kill(pid, "SIGKILL");
    await Bun.sleep(20);
  }
}

/** Removes `dirs` (deepest first, as cgroupsNamed lists them); returns those that could not be removed. */
export async function removeCgroups(dirs: string[], tries = 10): Promise<string[]> {
  let left = dirs;
  for (let i = 0; i < tries && left.length > 0; i++) {
    if (i > 0) await Bun.sleep(50);
    left = left.filter((dir) => {
      try {
        rmdirSync(dir);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code !== "ENOENT";
      }
    });
  }
  return left;
}

/** Kills what runs in the matching cgroups, then removes them; returns what it did and what is left, for the report. */
export async function sweepCgroups(match: (name: string) => boolean): Promise<{ done: string[]; left: string[] }> {
  const dirs = cgroupsNamed(match);
  if (dirs.length === 0) return { done: [], left: [] };
  const done: string[] = [];
  const before = new Set(dirs.flatMap(cgroupProcs)).size;
  const pids = await killCgroups(dirs);
  if (before > 0) done.push(`killed ${before - pids.length} process(es) in the run's cgroups`);
  const left = await removeCgroups(dirs);
  done.push(`removed ${dirs.length - left.length} cgroup dir(s)`);
  return { done, left: [...pids.map((p) => `process ${p}`), ...left] };
}
