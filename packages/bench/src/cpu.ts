/**
 * CPU time by process kind over a window of a scenario: how many CPU milliseconds the daemon, the per-container
 * monitors, the clients, the runtime's command line and `runc init` of one system spent.
 *
 * Processes that exit inside the window are counted from the kernel's exit accounting (taskstats, read by
 * taskstats-listener.ts in a process of its own); processes alive at either edge from their threads' scheduler
 * times (/proc/<pid>/task/<tid>/schedstat). Both are the scheduler's nanosecond sums, so a 5 ms `runc start` counts
 * as much as it ran. A window's edges are markers: a `true` spawned by the bench, whose exit record comes after
 * every record of a thread that exited before it.
 *
 * What belongs to a system: the bench is a child subreaper (procs.ts), so everything a system runs, detached or
 * not, has the bench as an ancestor; a window counts the bench's descendants except the other systems' long-lived
 * processes (their daemons, event subscribers) and the bench's own helpers (the listener, the markers).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { lines } from "./exits.ts";
import { descendants, processTable, spawn } from "./procs.ts";

/** What a process does for its system; the rows of the breakdown. */
export const ROLES = ["daemon", "monitor", "client", "runtime", "init", "other"] as const;
export type Role = (typeof ROLES)[number];

/** Roles described for tables and notes. */
export const ROLE_LABELS: Record<Role, string> = {
  daemon: "daemon (berthd, containerd)",
  monitor: "monitor (berth-shim, containerd-shim-runc-v2, conmon)",
  client: "client (ctr; podman, its run and its exit command)",
  runtime: "runtime CLI (runc run or create+start, kill, delete, state)",
  init: "runc init + the container's process",
  other: "other processes of the system",
};

/** Process names (comm, 15 characters at most) and what they are. */
const KINDS: Record<string, { role: Role; kind: string }> = {
  "berth-shim": { role: "monitor", kind: "berth-shim" },
  "containerd-shim": { role: "monitor", kind: "containerd-shim-runc-v2" },
  conmon: { role: "monitor", kind: "conmon" },
  ctr: { role: "client", kind: "ctr" },
  podman: { role: "client", kind: "podman" },
  runc: { role: "runtime", kind: "runc" },
};

/** What the bench's bundles run: after its exec, `runc init`'s process carries the container's name. */
const CONTAINER_COMMS = new Set(["sleep", "true", "sh", "dd"]);

function classify(comm: string, pid: number, daemon?: { pid: number; name: string }): { role: Role; kind: string } {
  if (daemon && pid === daemon.pid) return { role: "daemon", kind: daemon.name };
  if (comm.startsWith("runc:") || CONTAINER_COMMS.has(comm)) return { role: "init", kind: "runc init" };
  return KINDS[comm] ?? { role: "other", kind: comm };
}

interface ExitRecord {
  tid: number;
  tgid: number;
  ppid: number;
  cpuNs: number;
  comm: string;
}

interface LiveProcess {
  ppid: number;
  comm: string;
  /** CPU of its threads alive now, nanoseconds. */
  cpuNs: number;
}

/** One edge of a window: how many exit records had arrived, and the bench's live descendants then. */
export interface Mark {
  index: number;
  live: Map<number, LiveProcess>;
}

/** Whose processes a window counts. */
export interface Owner {
  /** The system's daemon, named as the breakdown shows it. */
  daemon?: { pid: number; name: string };
  /** Processes (with what they start) that are not the system's: the other systems' daemons and subscribers. */
  exclude: number[];
}

/** CPU nanoseconds of one system over a window, by kind ("berth-shim", "runc", ...) and by role. */
export interface Breakdown {
  byKind: Record<string, number>;
  byRole: Record<Role, number>;
  /** Processes counted. */
  processes: number;
}

function threadsCpuNs(pid: number): number {
  let total = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      total += Number(readFileSync(join("/proc", String(pid), "task", tid, "schedstat"), "utf8").split(" ")[0]);
    } catch {}
  }
  return total;
}

function liveDescendants(): Map<number, LiveProcess> {
  const table = processTable();
  const out = new Map<number, LiveProcess>();
  for (const pid of descendants(process.pid, table)) {
    const p = table.get(pid)!;
    if (p.state !== "Z") out.set(pid, { ppid: p.ppid, comm: p.comm, cpuNs: threadsCpuNs(pid) });
  }
  return out;
}

export class CpuAccounting {
  private readonly records: ExitRecord[] = [];
  private readonly waiting = new Map<number, () => void>();
  private readonly own = new Set<number>();
  /** Exit records the kernel dropped (its queue was full): a window with drops undercounts. */
  dropped = 0;

  private constructor(private readonly proc: Subprocess<"ignore", "pipe", "pipe">) {
    this.own.add(proc.pid);
  }

  /**
   * Starts the listener (its argv names `work`, so a sweep of the run kills it). Resolves to a reason instead when
   * the kernel cannot account (no taskstats, not root): the scenarios then print no breakdown and say why.
   */
  static async start(work: string): Promise<CpuAccounting | string> {
    const proc = spawn([process.execPath, join(import.meta.dir, "taskstats-listener.ts"), work], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const acct = new CpuAccounting(proc);
    const ready = new Promise<boolean>((resolve) => {
      (async () => {
        for await (const line of lines(proc.stdout)) {
          if (line === "ready") resolve(true);
          else acct.consume(line);
        }
        resolve(false);
      })();
    });
    if (await Promise.race([ready, Bun.sleep(10_000).then(() => false)])) return acct;
    proc.kill("SIGKILL");
    const why = (await new Response(proc.stderr).text()).trim().split("\n").find((l) => /error|Error/.test(l)) ?? "it did not start";
    return `no CPU breakdown: the taskstats listener failed (${why})`;
  }

  private consume(line: string): void {
    if (line.startsWith("dropped ")) {
      this.dropped = Number(line.slice(8));
      return;
    }
    const [tid, tgid, ppid, cpuNs, ...comm] = line.split(" ");
    const record = { tid: Number(tid), tgid: Number(tgid), ppid: Number(ppid), cpuNs: Number(cpuNs), comm: comm.join(" ") };
    this.records.push(record);
    this.waiting.get(record.tgid)?.();
  }

  /**
   * Waits (at most `timeoutMs`) until nothing runs below the bench but `allowed` (the targets' daemons and
   * subscribers) and its own helpers: the last system's teardown (a conmon's exit command, a shim that is still
   * exiting) must not run in the next system's window. Returns whether it got there.
   */
  async quiesce(allowed: readonly number[], timeoutMs = 30_000): Promise<boolean> {
    const skip = new Set([...allowed, ...this.own]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const table = processTable();
      const busy = descendants(process.pid, table).filter((pid) => !skip.has(pid) && table.get(pid)!.state !== "Z");
      if (busy.length === 0) return true;
      if (Date.now() > deadline) return false;
      await Bun.sleep(50);
    }
  }

  /** A window edge: spawns a marker and waits for its exit record (5 s at most), then reads the live processes. */
  async mark(): Promise<Mark> {
    const marker = spawn(["true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    this.own.add(marker.pid);
    const seen = new Promise<void>((resolve) => this.waiting.set(marker.pid, resolve));
    await Promise.race([seen, Bun.sleep(5000)]);
    this.waiting.delete(marker.pid);
    await marker.exited;
    return { index: this.records.length, live: liveDescendants() };
  }

  /** The CPU of `owner`'s system between two marks. */
  measure(a: Mark, b: Mark, owner: Owner): Breakdown {
    const window = this.records.slice(a.index, b.index);
    const parent = new Map<number, number>();
    const comm = new Map<number, string>();
    for (const r of window) {
      if (r.tid === r.tgid || !parent.has(r.tgid)) parent.set(r.tgid, r.ppid);
      if (r.tid === r.tgid || !comm.has(r.tgid)) comm.set(r.tgid, r.comm);
    }
    for (const live of [a.live, b.live]) {
      for (const [pid, p] of live) {
        parent.set(pid, p.ppid);
        comm.set(pid, p.comm);
      }
    }
    const excluded = new Set([...owner.exclude, ...this.own]);
    const counted = new Map<number, boolean>();
    const belongs = (pid: number): boolean => {
      const known = counted.get(pid);
      if (known !== undefined) return known;
      let verdict = false;
      for (let p = pid, depth = 0; depth < 64; depth++) {
        if (excluded.has(p)) break;
        const up = parent.get(p);
        if (up === undefined) break;
        if (up === process.pid) {
          verdict = true;
          break;
        }
        p = up;
      }
      counted.set(pid, verdict);
      return verdict;
    };
    const cpu = new Map<number, number>();
    for (const r of window) cpu.set(r.tgid, (cpu.get(r.tgid) ?? 0) + r.cpuNs);
    for (const [pid, p] of b.live) cpu.set(pid, (cpu.get(pid) ?? 0) + p.cpuNs);
    for (const [pid, p] of a.live) cpu.set(pid, (cpu.get(pid) ?? 0) - p.cpuNs);
    const byKind: Record<string, number> = {};
    const byRole = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
    let processes = 0;
    for (const [pid, ns] of cpu) {
      if (!belongs(pid)) continue;
      const { role, kind } = classify(comm.get(pid) ?? "?", pid, owner.daemon);
      byKind[kind] = (byKind[kind] ?? 0) + ns;
      byRole[role] += ns;
      processes++;
    }
    return { byKind, byRole, processes };
  }

  /** Stops the listener. */
  close(): void {
    this.proc.kill("SIGKILL");
  }
}
