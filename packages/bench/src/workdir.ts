/**
 * The run's private work dir (/tmp/berth-bench-<pid>-XXXXXX): daemons' state, runc roots, bundles and logs all live
 * under it, so everything a run started can be found from it. `sweep` removes a work dir and everything tied to it:
 * processes whose command line names it (daemons, shims, runc and ctr clients), runc containers in any runc root
 * under it, mounts under it, then the dir itself. `bun run bench cleanup` sweeps dirs of runs that are gone.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundleOptions, ensureRootfs, makeBundle } from "../bundle.ts";
import { run, sleep } from "./exec.ts";
import { alive, kill, pidsWithArg } from "./procs.ts";

const PREFIX = "berth-bench-";

export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
}

/** Work dirs left by runs whose process is gone. */
export function staleWorkDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith(PREFIX))
    .filter((name) => !alive(Number(name.slice(PREFIX.length).split("-")[0])))
    .map((name) => join(tmpdir(), name));
}

/** Kills, deletes and removes everything tied to `dir`; returns what it did, for the report. */
export async function sweep(dir: string): Promise<string[]> {
  const done: string[] = [];
  // Several passes: a daemon killed in one pass may have spawned a child just before.
  for (let pass = 0; pass < 5; pass++) {
    const pids = pidsWithArg(dir);
    if (pids.length === 0) break;
    for (const pid of pids) kill(pid, "SIGKILL");
    done.push(`killed ${pids.length} process(es)`);
    await sleep(50);
  }
  for (const root of runcRoots(dir)) {
    const list = await run(["runc", "--root", root, "list", "-q"]);
    const ids = list.stdout.split("\n").filter(Boolean);
    await Promise.all(ids.map((id) => run(["runc", "--root", root, "delete", "--force", id])));
    if (ids.length > 0) done.push(`deleted ${ids.length} runc container(s) in ${root}`);
  }
  for (const mount of mountsUnder(dir)) {
    await run(["umount", "-l", mount]);
    done.push(`unmounted ${mount}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return done;
}

/** Dirs under `dir` (a few levels deep) that hold runc container state: <root>/<id>/state.json. */
function runcRoots(dir: string, depth = 4): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  if (entries.some((e) => existsSync(join(dir, e, "state.json")))) return [dir];
  return entries.flatMap((e) => runcRoots(join(dir, e), depth - 1));
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
