/**
 * The run's private work dir (/tmp/berth-bench-<pid>-XXXXXX): daemons' state, runtime roots, bundles and logs all
 * live under it, so everything a run started can be found from it. `sweep` removes a work dir and everything tied
 * to it, in an order that never loses track of a container: processes whose command line names the dir (daemons,
 * shims, monitors, clients), then every container of every runc root under it (its cgroups' processes killed,
 * `runc delete --force`, its cgroups removed), then the cgroups the caller names (the run's id prefix), then mounts,
 * and only then the dir itself. `bun run bench cleanup` sweeps the dirs of runs that are gone.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundleOptions, ensureRootfs, makeBundle } from "../../../scripts/bundle.ts";
import { cgroupProcs, cgroupsNamed, sweepCgroups } from "./cgroups.ts";
import { run } from "./exec.ts";
import { alive, kill, pidsWhere, pidsWithArg } from "./procs.ts";

const PREFIX = "berth-bench-";

export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
}

/** The pid of the run that made a work dir, from its name. */
export function runPid(dir: string): number {
  return Number(dir.split("/").at(-1)!.slice(PREFIX.length).split("-")[0]);
}

/**
 * What every container id of the run with this pid starts with (then "-"): unique across concurrent runs, and the
 * name of the container's cgroups (runc's default without a cgroupsPath in the spec).
 */
export function idPrefix(pid: number): string {
  return `b${pid.toString(36)}`;
}

/** Top-level cgroup names of the run that made `dir`: its containers' and podman's parent (`<prefix>-...`). */
function runCgroups(dir: string): (name: string) => boolean {
  const prefix = `${idPrefix(runPid(dir))}-`;
  return (name) => name.startsWith(prefix);
}

/** A whole run: its work dir and every cgroup named for it. */
export function sweepRun(dir: string): Promise<SweepResult> {
  return sweep(dir, { cgroups: runCgroups(dir) });
}

/**
 * What the run that made `dir` left: cgroups named for it (with the pids in them), processes in such a cgroup
 * (by /proc/<pid>/cgroup, wherever the cgroup sits), processes naming the dir, and the dir.
 */
export function leftovers(dir: string): string[] {
  const named = runCgroups(dir);
  const cgroups = cgroupsNamed(named).map((cg) => {
    const pids = cgroupProcs(cg);
    return pids.length ? `${cg} (pids ${pids.join(" ")})` : cg;
  });
  const inCgroups = pidsWhere(() => true).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").some((line) => line.split(":")[2]?.split("/").some((part) => part && named(part)));
    } catch {
      return false;
    }
  });
  return [
    ...cgroups,
    ...inCgroups.map((pid) => `process ${pid} in a cgroup of the run`),
    ...pidsWithArg(dir).map((pid) => `process ${pid} naming ${dir}`),
    ...(existsSync(dir) ? [dir] : []),
  ];
}

/** Work dirs left by runs whose process is gone. */
export function staleWorkDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => join(tmpdir(), name))
    .filter((dir) => !alive(runPid(dir)));
}

export interface SweepOptions {
  /** runc roots to empty besides those found under the dir (found: dirs whose entries hold a state.json). */
  runcRoots?: string[];
  /** Top-level cgroup names of the run (its containers', its monitors'): their processes are killed, they are removed. */
  cgroups?: (name: string) => boolean;
}

export interface SweepResult {
  done: string[];
  /** What could not be removed (processes, cgroups, the dir): empty when the sweep was complete. */
  left: string[];
}

/** Kills, deletes and removes everything tied to `dir`; returns what it did and what is left. */
export async function sweep(dir: string, options: SweepOptions = {}): Promise<SweepResult> {
  const done: string[] = [];
  const left: string[] = [];
  // Several passes: a daemon killed in one pass may have spawned a child just before.
  for (let pass = 0; pass < 5; pass++) {
    const pids = pidsWithArg(dir);
    if (pids.length === 0) break;
    for (const pid of pids) kill(pid, "SIGKILL");
    done.push(`killed ${pids.length} process(es)`);
    await Bun.sleep(50);
  }
  for (const root of new Set([...(options.runcRoots ?? []), ...runcRoots(dir)])) {
    const ids = entries(root);
    for (const id of ids) {
      // A container whose `runc create` was cut short has no state.json, and runc cannot delete it: its cgroup
      // still names it, and its `runc init` waits there on exec.fifo.
      const cg = await sweepCgroups((name) => name === id);
      const r = await run(["runc", "--root", root, "delete", "--force", id], { timeoutMs: 30_000 });
      if (r.code !== 0 && !/does not exist|not exist/.test(r.stderr)) done.push(`runc delete ${id}: ${r.stderr.trim().split("\n").at(-1)}`);
      const after = await sweepCgroups((name) => name === id);
      left.push(...cg.left.filter((x) => !x.startsWith("process")), ...after.left);
    }
    if (ids.length > 0) done.push(`deleted ${ids.length} runc container(s) in ${root}`);
  }
  if (options.cgroups) {
    const cg = await sweepCgroups(options.cgroups);
    done.push(...cg.done);
    left.push(...cg.left);
  }
  for (const mount of mountsUnder(dir)) {
    await run(["umount", "-l", mount]);
    done.push(`unmounted ${mount}`);
  }
  rmSync(dir, { recursive: true, force: true });
  for (const pid of pidsWithArg(dir)) left.push(`process ${pid} naming ${dir}`);
  if (existsSync(dir)) left.push(dir);
  return { done, left: [...new Set(left)] };
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Dirs under `dir` (a few levels deep) that hold runc container state: <root>/<id>/state.json. */
function runcRoots(dir: string, depth = 5): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const names = entries(dir);
  if (names.some((e) => existsSync(join(dir, e, "state.json")))) return [dir];
  return names.flatMap((e) => runcRoots(join(dir, e), depth - 1));
}

function mountsUnder(dir: string): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((line) => line.split(" ")[4] ?? "");
  return mounts.filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

/** Bundles made once per run, each a config.json over the shared busybox rootfs (scripts/bundle.ts). */
export class Bundles {
  private readonly made = new Map<string, string>();

  constructor(private readonly dir: string) {
    ensureRootfs();
  }

  get(name: string, args: string[], options: Omit<BundleOptions, "args"> = {}): string {
    let path = this.made.get(name);
    if (!path) {
      mkdirSync(join(this.dir, "bundles"), { recursive: true });
      path = makeBundle(join(this.dir, "bundles", name), { args, ...options });
      this.made.set(name, path);
    }
    return path;
  }

  /** An idle container. */
  get sleeper(): string {
    return this.get("sleep", ["sleep", "100000"]);
  }

  /** A container that exits 0 at once. */
  get trueOne(): string {
    return this.get("true", ["true"]);
  }
}
