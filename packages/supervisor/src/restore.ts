/**
 * Restore after a restart: rebuild the registry from the state dir and the live shims. Each container dir
 * is restored on its own (one bad dir never stops the others) and ends in one of these cases:
 *
 *   shim alive, init running or paused   reconnected and listed with its status, pids, execs and stdio;
 *                                        exits that happened while berthd was down are reported (once)
 *   shim alive, init created, not started   killed and removed; exit 137 if start-container was reported
 *   shim alive, init exited              the shim finishes its teardown; its exits are reported from disk
 *   shim dead, exit records on disk      the exits are reported from the records (execs first), then released
 *   shim dead, no init record            the container is killed (thawed first) if runc still runs it: 137;
 *                                        gone with no record: 255
 *   bundle removed                       restored, then killed: exit 137
 *   container.json unreadable            whatever runs under that id is killed, shims of the dir too, the dir
 *                                        is removed; an exit is reported if its start was
 *   never started (crash during create)  removed without events: the create never answered
 *
 * Shims are found by their pid record and, for a shim that started but never wrote one, by /proc.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ID_PATTERN, nowRfc3339, type ShimState } from "@berth/protocol";
import { type ContainerLayout, readContainerRecord, readProcessRecords, readShimRecord } from "@berth/state";
import { isLive, processStartTime, sendSignal } from "@berth/sys";
import { isFrozen, procsFileOf } from "./cgroups.ts";
import { ContainerEntry } from "./container.ts";
import { ExecEntry } from "./exec.ts";
import { ShimClient } from "./shim-client.ts";
import type { Supervisor } from "./supervisor.ts";

const idPattern = new RegExp(ID_PATTERN);

/** Restores every container dir; resolves when all are done. `pending` maps ids to their restore. */
export async function restoreAll(supervisor: Supervisor, pending: Map<string, Promise<void>>): Promise<void> {
  const names = existsSync(supervisor.layout.containersDir) ? readdirSync(supervisor.layout.containersDir) : [];
  const shims = shimProcessesByDir();
  for (const name of names) {
    const layout = supervisor.layout.container(name);
    const work = restoreOne(supervisor, name, layout, shims.get(layout.dir) ?? []).catch((err) => {
      supervisor.config.logger.error("restore failed; removing the container's state", { container: name, error: String(err) });
      rmSync(layout.dir, { recursive: true, force: true });
    });
    pending.set(name, work);
  }
  await Promise.all(pending.values());
}

async function restoreOne(supervisor: Supervisor, name: string, layout: ContainerLayout, shimPids: number[]): Promise<void> {
  const { logger } = supervisor.config;
  const record = readContainerRecord(layout);
  const shim = readShimRecord(layout);
  const live = shim !== undefined && isLive(shim.pid, shim.startTime);
  // Shims of this dir that berthd has no record of (started, but killed before they wrote shim.json).
  for (const pid of shimPids) if (!live || pid !== shim!.pid) sendSignal(pid, 9);
  if (!record || record.id !== name) return discardUnreadable(supervisor, name, layout, live ? shim!.pid : undefined);

  const entry = new ContainerEntry(record, layout, record.init);
  entry.restored = true;
  entry.started = supervisor.hasEvent(entry, "start-container");
  entry.status = "running";
  supervisor.register(entry);
  await entry.queue.run(async () => {
    if (live) {
      try {
        entry.shim = await ShimClient.reconnect(layout, shim!, supervisor.config.startTimeoutMs, supervisor.noticesFor(entry));
        const state = await entry.shim.call("state");
        await adopt(supervisor, entry, state);
      } catch (err) {
        logger.warn("cannot reach the shim; killing it", { container: name, error: String(err) });
        sendSignal(shim!.pid, 9);
        entry.shim?.close();
        entry.shim = undefined;
      }
    }
    if (!entry.shim) {
      for (const r of readProcessRecords(layout)) entry.execs.set(r.pid, Object.assign(new ExecEntry(r), { status: "running" as const }));
    }
  });
  if (entry.shim) entry.shim.gone.then(() => supervisor.onShimGone(entry));
  else await supervisor.onShimGone(entry);
  if (entry.shim && !existsSync(record.bundlePath)) {
    logger.warn("bundle removed while berthd was down; killing the container", { container: name, bundle: record.bundlePath });
    await supervisor.signal(name, "init", 9).catch(() => {});
  }
}

/** A live shim: take its view of the processes, report what happened while berthd was down. */
async function adopt(supervisor: Supervisor, entry: ContainerEntry, state: ShimState): Promise<void> {
  const init = state.processes.find((p) => p.pid === "init");
  if (!init || init.status === "created") {
    // berthd died between create and start: nobody was told it runs, and nothing of it ran yet.
    supervisor.config.logger.warn("container was created but never started; removing it", { container: entry.id });
    await supervisor.runtimeFor(entry).delete(entry.id, { force: true }).catch(() => {});
    entry.initExit = { pid: "init", status: 137, exitedAt: nowRfc3339() };
    await entry.shim!.call("shutdown").catch(() => {});
    return;
  }
  entry.systemPid = init.systemPid;
  entry.initStartTime = processStartTime(init.systemPid) ?? "";
  entry.procsFile = procsFileOf(init.systemPid);
  entry.status = isFrozen(init.systemPid) ? "paused" : "running";
  if (!entry.started) supervisor.report(entry, { type: "start-container", id: entry.id });
  entry.started = true;
  const byPid = new Map(state.processes.map((p) => [p.pid, p]));
  for (const r of readProcessRecords(entry.layout)) {
    const seen = byPid.get(r.pid);
    if (!seen) {
      rmSync(entry.layout.processRecord(r.pid), { force: true }); // berthd died before the shim ran it
      continue;
    }
    const exec = new ExecEntry(r);
    exec.systemPid = seen.systemPid;
    exec.status = "running";
    entry.execs.set(r.pid, exec);
    if (!supervisor.hasEvent(entry, "start-process", r.pid)) supervisor.report(entry, { type: "start-process", id: entry.id, pid: r.pid });
    if (seen.status === "exited") supervisor.execExited(entry, r.pid, seen.exitStatus ?? 255);
  }
  if (init.status === "exited" && init.exitStatus !== undefined) entry.initExit = { pid: "init", status: init.exitStatus, exitedAt: nowRfc3339() };
}

/** A dir whose container.json is missing or torn: kill what runs under its name, report an exit if it started. */
async function discardUnreadable(supervisor: Supervisor, name: string, layout: ContainerLayout, shimPid: number | undefined): Promise<void> {
  supervisor.config.logger.warn("unreadable container state; cleaning it up", { container: name });
  if (shimPid !== undefined) sendSignal(shimPid, 9);
  if (idPattern.test(name)) {
    const runc = supervisor.runtime(layout);
    const state = await runc.state(name).catch(() => undefined);
    await runc.delete(name, { force: true }).catch(() => {});
    const last = supervisor.events.journal.stored().findLast((e) => e.id === name);
    if (last?.type !== undefined && !(last.type === "exit" && last.pid === "init")) {
      supervisor.events.emit({ type: "exit", id: name, pid: "init", status: state && state.status !== "stopped" ? 137 : 255 });
    }
  }
  rmSync(layout.dir, { recursive: true, force: true });
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
