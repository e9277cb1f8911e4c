/**
 * Processes from /proc: the process table (pid, parent, name), finding what a run started by its command line or
 * its ancestry, liveness, and killing by pid. The bench is a child subreaper (`adoptOrphans`): whatever a system
 * under test leaves running when its parent exits (a detached `runc run -d` init, conmon, a containerd shim) is
 * reparented to the bench, never to PID 1, so it stays findable as a descendant and its CPU stays attributable.
 * Those adopted processes are not Bun's children: `reapOrphans` reaps them (every spawn goes through `spawn` here,
 * so Bun's own children are known and never stolen).
 */
import { readdirSync, readFileSync } from "node:fs";
import { reapPid, setChildSubreaper } from "@berth/sys";

/** Pids of the processes Bun.spawn made for this run and has not reaped yet. */
const spawned = new Set<number>();

/** Bun.spawn, with the child remembered until Bun reaps it (see reapOrphans). */
export const spawn = ((...args: Parameters<typeof Bun.spawn>) => {
  const proc = Bun.spawn(...args);
  spawned.add(proc.pid);
  void proc.exited.finally(() => spawned.delete(proc.pid));
  return proc;
}) as typeof Bun.spawn;

let reaper: ReturnType<typeof setInterval> | undefined;

/** Makes this process a child subreaper and reaps adopted orphans every `everyMs`. */
export function adoptOrphans(everyMs = 500): void {
  setChildSubreaper();
  reaper ??= setInterval(reapOrphans, everyMs);
  reaper.unref();
}

/** Reaps every exited child that Bun did not spawn (adopted orphans); returns how many. */
export function reapOrphans(): number {
  let reaped = 0;
  for (const p of processTable().values()) {
    if (p.ppid !== process.pid || p.state !== "Z" || spawned.has(p.pid)) continue;
    try {
      if (reapPid(p.pid) !== undefined) reaped++;
    } catch {}
  }
  return reaped;
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** The kernel's name of the process (comm, at most 15 characters). */
  comm: string;
  /** R, S, D, Z, ... */
  state: string;
}

/** Every process now: pid → its entry, from /proc/<pid>/stat. */
export function processTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const entry = readStat(pid);
    if (entry) table.set(pid, entry);
  }
  return table;
}

/** The text of /proc/<pid>/<file>, or undefined when it cannot be read (the process is gone). */
export function procFile(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

function readStat(pid: number): ProcEntry | undefined {
  const text = procFile(pid, "stat");
  if (text === undefined) return undefined;
  // pid (comm) state ppid ...; comm may hold spaces and parentheses, so split at the last ")".
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" ");
  return { pid, comm: text.slice(text.indexOf("(") + 1, close), state: rest[0]!, ppid: Number(rest[1]) };
}

/** Pids below `root` (not itself) in `table`, parents before children. */
export function descendants(root: number, table = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Pids whose argv matches; never this process, never a zombie (its argv reads empty). */
export function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = procFile(pid, "cmdline");
    if (cmdline && match(cmdline.replace(/\0$/, "").split("\0"))) found.push(pid);
  }
  return found;
}

/** Pids whose command line (arguments joined by spaces) contains `needle`. */
export function pidsWithArg(needle: string): number[] {
  return pidsWhere((argv) => argv.join(" ").includes(needle));
}

/** True while the process runs; a zombie counts as gone. */
export function alive(pid: number): boolean {
  const status = procFile(pid, "status");
  return status !== undefined && !/^State:\s+Z/m.test(status);
}

export function kill(pid: number, signal: NodeJS.Signals | number = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

/** Waits until the process is gone (or a zombie); false after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; alive(pid); delay = Math.min(delay * 2, 20)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(delay);
  }
  return true;
}
