/**
 * The reaper of a child subreaper (berth-shim, and berthd for the containers of a shim that died): container
 * processes are re-parented to it and it alone waits for them. Under Bun there is no waitpid(-1) (it would steal Bun's own children, notes/bun-on-linux.md
 * §1.5): registered pids are reaped by pid on SIGCHLD, and other zombies (orphans from inside containers) by a
 * debounced sweep that peeks with WNOWAIT and skips every process started through `spawn` below.
 */
import type { Subprocess } from "bun";
import { peekExitedChild, reapPid, setChildSubreaper } from "./process.ts";

/** Bun collects its own children ~0.3 ms after exit: a zombie still there after a quiet period is an orphan. */
const QUIET_MS = 50;
/** Statuses of pids reaped before anyone asked: bounded, oldest dropped first. */
const GRAVEYARD_MAX = 1024;

const bunChildren = new Set<number>();
const watchers = new Map<number, (status: number) => void>();
const graveyard = new Map<number, { status: number; at: number }>();
/** A status kept longer than this belongs to a pid that may since have been reused: it is not handed out. */
const GRAVEYARD_TTL_MS = 10_000;
let sweepTimer: Timer | undefined;

/**
 * Bun.spawn, with the child registered so the orphan sweep never reaps it. Unless `options.env` says otherwise the
 * child gets `process.env` as it is now: Bun's own default is the environment this process started with, which
 * would hand on a variable taken out since (berthd removes systemd's NOTIFY_SOCKET, which runc would act on).
 */
export function spawn(argv: string[], options: Parameters<typeof Bun.spawn>[1]): Subprocess<any, any, any> {
  const proc = Bun.spawn(argv, { env: process.env, ...options });
  bunChildren.add(proc.pid);
  proc.exited.finally(() => bunChildren.delete(proc.pid)).catch(() => {});
  return proc;
}

/** The exit status of `pid`, a process that is (or will be re-parented as) our child: exit code or 128+signal. */
export function waitFor(pid: number): Promise<number> {
  const early = graveyard.get(pid);
  graveyard.delete(pid);
  if (early !== undefined && Date.now() - early.at < GRAVEYARD_TTL_MS) return Promise.resolve(early.status);
  return new Promise((resolve) => {
    watchers.set(pid, resolve);
    reapKnown();
  });
}

function reapKnown(): void {
  for (const [pid, resolve] of watchers) {
    const status = reapPid(pid);
    if (status === undefined) continue;
    watchers.delete(pid);
    resolve(status);
  }
}

function sweepOrphans(): void {
  sweepTimer = undefined;
  for (let pid = peekExitedChild(); pid !== undefined; pid = peekExitedChild()) {
    if (bunChildren.has(pid)) {
      // waitid shows only the first waitable child: let Bun collect its own, then look again.
      sweepTimer = setTimeout(sweepOrphans, QUIET_MS);
      return;
    }
    const status = reapPid(pid);
    if (status === undefined) return;
    const resolve = watchers.get(pid);
    if (resolve) {
      watchers.delete(pid);
      resolve(status);
    } else {
      graveyard.set(pid, { status, at: Date.now() });
      if (graveyard.size > GRAVEYARD_MAX) graveyard.delete(graveyard.keys().next().value!);
    }
  }
}

function onSigchld(): void {
  reapKnown();
  clearTimeout(sweepTimer);
  sweepTimer = setTimeout(sweepOrphans, QUIET_MS);
}

export function installReaper(): void {
  setChildSubreaper();
  process.on("SIGCHLD", onSigchld);
}
