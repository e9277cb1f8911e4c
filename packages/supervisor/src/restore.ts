/**
 * Restore after a restart, in two steps. First, at once and for every container dir: the container is rebuilt
 * from its record and its change log (the states of its init and execs as of the last change berthd journaled)
 * and listed, so listing and creates of other ids never wait for a shim. Then, per container and on its own queue
 * (only calls on that container wait, bounded by the shim-call timeout, for a shim that hangs):
 *
 *   shim alive (and speaking berthd's protocol)   reconnected; every change after the last journaled one is
 *                                                 relayed (exits that happened while berthd was down come out once)
 *   shim alive, its start never recorded          killed, the runtime's container deleted; no events; the dir goes
 *   shim gone or unreachable                      shims.ts's onShimGone: the changes it recorded are relayed; a
 *                                                 container without its init's exit is killed (thawed first): 137
 *   stopped and cleaned                           kept as a stopped container, nothing to do
 *   bundle removed                                restored, then killed: exit 137
 *   container.json unreadable                     stands in with what the change log has: killed, 137 if it had
 *                                                 started, then removed
 *
 * Shims are found by their pid record and, for a shim that started but never wrote one, by /proc.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ID_PATTERN, type ShimState } from "@berth/protocol";
import { type ContainerLayout, type ContainerRecord, readChanges, readContainerRecord, readProcessRecords, readShimRecord } from "@berth/state";
import { isLive } from "@berth/sys";
import { ContainerEntry } from "./container.ts";
import type { Context } from "./context.ts";
import { ExecEntry } from "./exec.ts";
import { ShimClient } from "./shim-client.ts";
import { adoptShim, killShim, markCleaned, noticesFor, onShimGone } from "./shims.ts";

const idPattern = new RegExp(ID_PATTERN);

/** Told how far a restore is: `done` of `total` containers (first with 0 done, then once per container). */
export type RestoreProgress = (done: number, total: number) => void;

/** Rebuilds the registry at once, then reconnects each container; resolves when all are done. */
export async function restoreAll(ctx: Context, kill: (entry: ContainerEntry) => Promise<void>, progress?: RestoreProgress): Promise<void> {
  const dir = ctx.layout.containersDir;
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => idPattern.test(n)) : [];
  const shims = shimProcessesByDir();
  const entries = names.map((name) => rebuild(ctx, name));
  let done = 0;
  progress?.(done, entries.length);
  await Promise.all(entries.map((entry) => reconnect(ctx, entry, shims.get(entry.layout.dir) ?? [], kill).catch((err) => {
    ctx.config.logger.error("restore failed", { container: entry.id, error: String(err) });
  }).finally(() => progress?.(++done, entries.length))));
}

/** The container as its dir says: record (or a stand-in), states as of the last journaled change. Synchronous. */
function rebuild(ctx: Context, name: string): ContainerEntry {
  const layout = ctx.layout.container(name);
  const record = readContainerRecord(layout);
  const readable = record !== undefined && record.id === name;
  const entry = new ContainerEntry(readable ? record : standIn(name, layout, ctx.config), layout, ctx.pids);
  for (const r of readProcessRecords(layout)) entry.execs.set(r.pid, new ExecEntry(r));
  entry.lastRelayed = ctx.relay.resumePoint(entry);
  // A stand-in is not listed: it stays "created" until its exit is relayed, and then it goes.
  if (readable) {
    for (const change of readChanges(layout.changes)) if (change.change <= entry.lastRelayed) entry.apply(change);
  } else {
    entry.autoRemove = true;
  }
  if (!entry.live && entry.state !== "created" && existsSync(layout.cleaned)) entry.cleaned.resolve({ deleted: true });
  // Host pids came with the start changes: the listing is right before the shims answer.
  ctx.registry.add(entry);
  return entry;
}

async function reconnect(ctx: Context, entry: ContainerEntry, shimPids: number[], kill: (entry: ContainerEntry) => Promise<void>): Promise<void> {
  const { logger } = ctx.config;
  const record = readShimRecord(entry.layout);
  const live = record !== undefined && isLive(record.pid, record.startTime);
  // Shims of this dir that berthd has no record of (started, but killed before they wrote shim.json).
  for (const pid of shimPids) if (!live || pid !== record!.pid) killShim(pid);
  if (entry.cleaned.done) {
    if (entry.autoRemove) ctx.registry.remove(entry);
    return;
  }
  let adopted = false;
  if (live && !entry.autoRemove) {
    await entry.queue.run(async () => {
      try {
        const shim = await ShimClient.reconnect(entry.layout, record!, ctx.config.startTimeoutMs, noticesFor(ctx, entry));
        entry.shim = shim;
        const state = await shim.call("state");
        mirrorPids(entry, state);
        ctx.relay.offer(entry, (await shim.call("changes", { after: entry.lastRelayed })).changes);
        if (state.processes.find((p) => p.pid === "init")?.state === "created") {
          // berthd died during the start (the runtime's run may still hang): nobody was told it runs, so it
          // goes with no events, as after a dead shim that never recorded a start.
          logger.warn("container's start was never recorded; removing it", { container: entry.id });
          throw new Error("start never recorded");
        }
        adoptShim(ctx, entry, shim);
        adopted = true;
      } catch (err) {
        logger.warn("cannot reach the shim; killing it", { container: entry.id, error: String(err) });
        killShim(record!.pid);
        entry.shim?.close();
        entry.shim = undefined;
      }
    });
  } else if (live) {
    killShim(record!.pid);
  }
  if (!adopted) {
    await onShimGone(ctx, entry);
    if (entry.autoRemove && !entry.cleaned.done) markCleaned(ctx, entry, false);
    return;
  }
  if (entry.live && !existsSync(entry.record.bundlePath)) {
    logger.warn("bundle removed while berthd was down; killing the container", { container: entry.id, bundle: entry.record.bundlePath });
    await kill(entry).catch((err) => logger.warn("kill a container whose bundle is gone", { container: entry.id, error: String(err) }));
  }
}

/** Host pids of the processes, as the shim knows them. */
function mirrorPids(entry: ContainerEntry, state: ShimState): void {
  for (const p of state.processes) {
    if (p.pid === "init") {
      if (p.systemPid !== entry.systemPid) entry.watchInit(p.systemPid);
    } else {
      const exec = entry.execs.get(p.pid);
      if (exec) exec.systemPid = p.systemPid;
    }
  }
}

/** A record for a dir whose container.json is torn: enough to kill what runs under its id and relay its exit. */
function standIn(id: string, layout: ContainerLayout, config: { runtime: string; runtimeArgs: string[] }): ContainerRecord {
  return {
    id,
    bundlePath: layout.dir,
    labels: [],
    noPivotRoot: false,
    runtime: config.runtime,
    runtimeArgs: config.runtimeArgs,
    createdAt: "unknown",
    startTimeoutMs: 0,
    logMaxBytes: 0,
    init: { args: [], env: [], cwd: "/", terminal: false, user: { uid: 0, gid: 0 } },
  };
}

/** Every berth-shim process by the container dir it serves (its last argument). */
function shimProcessesByDir(): Map<string, number[]> {
  const byDir = new Map<string, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
    } catch {
      continue;
    }
    if (!argv.some((a) => a.includes("berth-shim") || a.endsWith("shim/src/main.ts"))) continue;
    const dir = argv.at(-1)!;
    byDir.set(join(dir), [...(byDir.get(dir) ?? []), Number(name)]);
  }
  return byDir;
}
