/**
 * berthd's side of a shim: what it tells (changes go to the relay, `deleted` marks the container cleaned) and what
 * happens when it is gone. A shim that dies without recording its init's exit leaves a container nobody
 * supervises (invariant 4): berthd kills it (thawed first: a frozen process does not die), records the exits
 * in the container's change log itself (137 for every process still running: killed because its shim died),
 * relays them like any change, and deletes the container from the runtime. A container that died after its shim
 * (a write to the dead shim's pipe is SIGPIPE) is reported 137 too: the shim records every exit it reaps, so an
 * exit it did not record came after its death.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Change } from "@berth/protocol";
import { isNotFound } from "@berth/runtime";
import { ChangeLog, currentLife, exitOf } from "@berth/state";
import { processExists, sendGroupSignal, sendSignal } from "@berth/sys";
import type { ContainerEntry } from "./container.ts";
import { type Context, runtimeFor } from "./context.ts";
import { unmountRootfs } from "./images/overlay.ts";
import type { ShimClient, ShimNotices } from "./shim-client.ts";

/** Waits between tries of a runtime delete berthd makes itself (ms). */
const DELETE_RETRY_MS = [100, 500, 2000];

/** What a container's shim tells, wired to the relay and the cleanup. */
export function noticesFor(ctx: Context, entry: ContainerEntry): ShimNotices {
  return {
    change: (change) => ctx.relay.offer(entry, [change]),
    deleted: (outcome) => markCleaned(ctx, entry, outcome.deleted),
  };
}

/**
 * SIGKILL to the process group shim `pid` leads. A shim leads a group of its own (berthd starts it in a new
 * session), and the runtime calls it has in flight are in it, while the container's processes are not (runc init
 * makes a session of its own, for the init and each exec). So a `runc run` or `runc exec` the shim started dies
 * with it, instead of changing the container after berthd has cleaned it up (a run finishing later would start a
 * container nobody supervises). For a shim that is gone already: its pid is not signalled again.
 */
function killShimGroup(pid: number): void {
  sendGroupSignal(pid, 9);
}

/**
 * SIGKILL to a live shim `pid` and its group (killShimGroup); a shim that leads no group (a `--shim` wrapper
 * forked it) dies too.
 */
export function killShim(pid: number): void {
  killShimGroup(pid);
  sendSignal(pid, 9);
}

/**
 * From now on `shim` serves `entry`; when it is gone, what it left running in its process group goes too (at once:
 * a shim that exits after its work has none, one that died may have a runtime call in flight; killShimGroup), and
 * onShimGone runs.
 */
export function adoptShim(ctx: Context, entry: ContainerEntry, shim: ShimClient): void {
  entry.shim = shim;
  shim.gone.then(() => {
    try {
      killShimGroup(shim.pid);
    } catch (err) {
      ctx.config.logger.warn("kill what a shim left in its process group", { container: entry.id, pid: shim.pid, error: String(err) });
    }
    return onShimGone(ctx, entry, shim);
  });
}

/**
 * The shim is gone: relay what it recorded and did not tell; if the init's exit is not among it, kill and record.
 * `shim` is the one that went (none when restore found no live shim); a shim of an earlier life of the container
 * (a restart) that leaves late changes nothing.
 */
export function onShimGone(ctx: Context, entry: ContainerEntry, shim?: ShimClient): Promise<void> {
  return entry.queue.run(async () => {
    if (shim && entry.shim !== shim) return;
    entry.shim?.close();
    entry.shim = undefined;
    if (entry.cleaned.done || entry.removed) return;
    const log = new ChangeLog(entry.layout.changes);
    try {
      ctx.relay.offer(entry, log.all);
      const life = currentLife(log.all);
      if (exitOf(life, "init") === undefined) {
        if (!life.some((c) => c.type === "start-container")) {
          // Its start was never recorded (berthd died during it): nobody was told it runs; it leaves no events.
          await deleteFromRuntime(ctx, entry, true);
          ctx.registry.remove(entry);
          entry.cleaned.resolve({ deleted: true });
          return;
        }
        await killOrphaned(ctx, entry);
        for (const pid of runningExecs(life)) log.append("exit", pid, { status: 137 });
        log.append("exit", "init", { status: 137 });
        await log.flushed();
        ctx.relay.offer(entry, log.all);
      }
    } finally {
      log.close();
    }
    markCleaned(ctx, entry, await deleteFromRuntime(ctx, entry, true));
  }).catch((err) => ctx.config.logger.error("clean up after a shim's death", { container: entry.id, error: String(err) }));
}

/** The container's runtime resources are gone (or the delete gave up, to be tried again at a create or restore). */
export function markCleaned(ctx: Context, entry: ContainerEntry, deleted: boolean): void {
  if (entry.cleaned.done) return;
  // Its processes are gone: an image container's overlay goes now, before the marker says so.
  if (!entry.removed) unmountRootfs(entry.layout);
  if (deleted && !entry.removed) {
    try {
      writeFileSync(entry.layout.cleaned, "");
    } catch (err) {
      ctx.config.logger.warn("mark container cleaned", { container: entry.id, error: String(err) });
    }
  }
  entry.cleaned.resolve({ deleted });
  if (entry.autoRemove) ctx.registry.remove(entry);
  for (const old of ctx.registry.overRetention()) if (old.cleaned.done) ctx.registry.remove(old);
}

/** Whether the runtime may still hold the container: its delete never completed. */
export function mayRemainInRuntime(entry: ContainerEntry): boolean {
  return entry.cleaned.done ? entry.cleaned.value?.deleted === false : !existsSync(entry.layout.cleaned);
}

/**
 * `runtime delete --force`, tried again with a back-off (DELETE_RETRY_MS), each failure logged; true once the
 * runtime no longer has the container. `retry` false tries once.
 */
export async function deleteFromRuntime(ctx: Context, entry: ContainerEntry, retry: boolean): Promise<boolean> {
  const runc = runtimeFor(ctx, entry.layout, entry.record);
  for (let attempt = 0; ; attempt++) {
    try {
      await runc.delete(entry.id, { force: true });
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      ctx.config.logger.warn("runtime delete failed", { container: entry.id, attempt: attempt + 1, error: (err as Error).message });
      if (!retry || attempt >= DELETE_RETRY_MS.length) return false;
      await Bun.sleep(DELETE_RETRY_MS[attempt]!);
    }
  }
}

/** Kills what runs of a container whose shim is gone (runc thaws nothing by itself: resume first). */
async function killOrphaned(ctx: Context, entry: ContainerEntry): Promise<void> {
  const runc = runtimeFor(ctx, entry.layout, entry.record);
  const { logger } = ctx.config;
  const state = await runc.state(entry.id).catch(() => undefined);
  if (!state || state.status === "stopped") return;
  logger.warn("shim gone without the init's exit; killing its container", { container: entry.id });
  if (state.status === "paused") await runc.resume(entry.id).catch((err: Error) => logger.warn("thaw an orphaned container", { container: entry.id, error: err.message }));
  await runc.kill(entry.id, 9, { all: true }).catch((err: Error) => logger.warn("kill an orphaned container", { container: entry.id, error: err.message }));
  // berthd is a subreaper: the init comes to it and its sweep reaps it; then the cgroups can go.
  await untilGone(state.pid, 2000);
}

/** Execs that started and have not exited, by the change log. */
function runningExecs(changes: readonly Change[]): string[] {
  const started = changes.filter((c) => c.type === "start-process").map((c) => c.pid);
  return started.filter((pid) => exitOf(changes, pid) === undefined);
}

/** Waits (bounded) until `pid` is gone or a zombie nobody will reap for us. */
async function untilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; processExists(pid) && !isZombieOfStranger(pid) && Date.now() < deadline; delay = Math.min(delay * 2, 20)) {
    await Bun.sleep(delay);
  }
}

function isZombieOfStranger(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return /^State:\s+Z/m.test(status) && !new RegExp(`^PPid:\\s+${process.pid}$`, "m").test(status);
  } catch {
    return false;
  }
}
