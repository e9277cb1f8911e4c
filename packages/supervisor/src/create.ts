/**
 * The create pipeline: check the bundle (or plan the one berthd writes: run/bundles.ts), take the id (replacing a
 * stopped container of that id once its cleanup is done, bounded by the start timeout, so an id is reusable right
 * after its exit event), write the record, start the shim, `start` through it (`runc run --detach`), and answer
 * once its start-container is journaled. A create that fails anywhere leaves nothing: the shim deletes the runtime's
 * container, berthd removes the state dir.
 */
import { mkdirSync } from "node:fs";
import { BerthError, type Container, type CreateContainer, nowRfc3339, quote, wrapError } from "@berth/protocol";
import { readBundleConfig } from "@berth/runtime";
import { type ContainerRecord, writeContainerRecord } from "@berth/state";
import { restoreFrom } from "./checkpoints.ts";
import { checkStdioPaths } from "./client-paths.ts";
import { ContainerEntry, type InitSpec } from "./container.ts";
import { type Context, within } from "./context.ts";
import { startShim } from "./shim-client.ts";
import { adoptShim, deleteFromRuntime, killShim, mayRemainInRuntime, noticesFor } from "./shims.ts";

/** Creates and starts a container (POST /v1/containers); see the module doc. */
export async function createContainer(ctx: Context, request: CreateContainer): Promise<Container> {
  const { id } = request;
  if (request.autoRemove && request.restart && request.restart.policy !== "no") {
    throw new BerthError("invalid_argument", "autoRemove and a restart policy do not go together (as docker's --rm and --restart)");
  }
  const taken = () => {
    const previous = ctx.registry.find(id);
    if (previous && (previous.live || !previous.visible)) throw new BerthError("already_exists", `container ${id} already exists`);
    return previous;
  };
  taken();
  await checkStdioPaths(request, ctx.config.stateDir);
  // After the plan only a bundle's config.json or a checkpoint is read (an image create has no bundle, and seldom
  // a checkpoint), so an image removal cannot take the image from under this create once it is planned (it counts
  // as used from the registration on); one that still slips in makes this create fail at its mount.
  const planned = await ctx.bundles.plan(request);
  const bundlePath = planned?.bundlePath ?? request.bundlePath!;
  const init = planned?.init ?? (await readInitSpec(bundlePath));
  const restore = request.checkpoint ? await restoreFrom({ ...request, bundlePath }, ctx.config.stateDir) : undefined;
  const previous = taken();
  const record: ContainerRecord = {
    id,
    bundlePath,
    ...(planned?.image ? { image: planned.image } : {}),
    ...(request.restart ? { restart: request.restart } : {}),
    ...(request.stdin ? { stdin: request.stdin } : {}),
    ...(request.stdout ? { stdout: request.stdout } : {}),
    ...(request.stderr ? { stderr: request.stderr } : {}),
    labels: request.labels ?? [],
    noPivotRoot: request.noPivotRoot ?? false,
    runtime: request.runtime ?? ctx.config.runtime,
    runtimeArgs: request.runtimeArgs ?? ctx.config.runtimeArgs,
    createdAt: nowRfc3339(),
    startTimeoutMs: ctx.config.startTimeoutMs,
    logMaxBytes: ctx.config.logMaxBytes,
    init,
    ...(request.autoRemove ? { autoRemove: true } : {}),
    ...(restore ? { restore } : {}),
  };
  const entry = new ContainerEntry(record, ctx.layout.container(id), ctx.pids);
  ctx.registry.add(entry);
  return entry.queue.run(async () => {
    try {
      if (previous) await replace(ctx, previous);
      mkdirSync(entry.layout.dir, { mode: 0o700 });
    } catch (err) {
      ctx.registry.remove(entry, { keepDir: true });
      if (previous && !previous.removed) ctx.registry.add(previous);
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new BerthError("already_exists", `container ${id} already exists (its state dir ${entry.layout.dir} is still there)`);
      }
      throw wrapError(`create container ${id}`, err);
    }
    try {
      if (planned) ctx.bundles.write(entry.layout, planned);
      writeContainerRecord(entry.layout, entry.record);
      await launch(ctx, entry);
    } catch (err) {
      await discard(ctx, entry);
      ctx.registry.remove(entry);
      throw wrapError(`create container ${id}`, err);
    }
    ctx.config.logger.info("container started", { container: id, pid: entry.systemPid });
    return entry.asStarted ?? entry.toApi();
  });
}

/**
 * On the container's queue, its dir and record written: starts its shim, then its `start` (the runtime's create
 * and start of the init in one call), and resolves once its start-container is journaled. Used by a create and by
 * a restart (a new life of the init).
 */
export async function launch(ctx: Context, entry: ContainerEntry): Promise<void> {
  const timeout = ctx.config.startTimeoutMs;
  const shim = await ctx.metrics.time("create", () => startShim(ctx.config.shimCommand, entry.layout, timeout, noticesFor(ctx, entry)));
  adoptShim(ctx, entry, shim);
  // The start-container change carries the init's pid: the relay applies it (ContainerEntry.watchInit).
  const { change } = await ctx.metrics.time("start", () => shim.call("start"));
  await ctx.relay.published(entry, change, timeout);
}

/**
 * A stopped container gives its id to a new one once its cleanup is done. A cleanup that takes longer than the
 * start timeout (a runtime delete that fails or hangs) is taken over: its shim is killed, so it can never delete
 * the new container, and berthd deletes the old one from the runtime itself (retried).
 */
async function replace(ctx: Context, previous: ContainerEntry): Promise<void> {
  const timeout = ctx.config.startTimeoutMs;
  await within(previous.cleaned.promise, timeout, "cleanup").catch(() => {});
  // On the old container's queue: its own cleanup (onShimGone) then waits, and finds it removed, so it never
  // deletes from the runtime, or writes into the dir, what is the new container's by then.
  await previous.queue.run(async () => {
    const cleaned = previous.cleaned.done;
    if (!cleaned && previous.shim) {
      ctx.config.logger.warn("cleanup of a stopped container is slow; taking it over", { container: previous.id });
      killShim(previous.shim.pid);
      await within(previous.shim.gone, timeout, "shim exit").catch(() => {});
    }
    if ((!cleaned || mayRemainInRuntime(previous)) && !(await deleteFromRuntime(ctx, previous, true))) {
      throw new BerthError("runtime_error", `replace stopped container ${previous.id}: the runtime still has it and its delete fails (see berthd's log)`);
    }
    ctx.registry.remove(previous);
  });
}

/** Undoes a failed launch: the shim deletes the runtime's container and exits, and nothing of it is left running. */
export async function discard(ctx: Context, entry: ContainerEntry): Promise<void> {
  const shim = entry.shim;
  if (shim) {
    // A created container is deleted; one that started (its start could not be journaled) is killed, and its
    // shim tears it down as after any exit.
    await shim.call("delete").catch(() => shim.call("signal", { pid: "init", signal: 9 })).catch((err) => {
      ctx.config.logger.warn("remove a failed container", { container: entry.id, error: String(err) });
    });
    await within(shim.gone, ctx.config.startTimeoutMs, "wait for the shim to exit").catch(() => {});
  }
  // The shim may have gone before its own delete (a failed start, its orphan timer): the id must stay usable.
  await deleteFromRuntime(ctx, entry, false);
}

/**
 * The init's process spec from the bundle (the record keeps a copy: a restarted berthd shows it when the bundle
 * is gone); invalid_argument when the bundle or its config.json is not something to read (runtime's bundle.ts).
 */
async function readInitSpec(bundlePath: string): Promise<InitSpec> {
  const spec = await readBundleConfig<{ process?: Partial<InitSpec> & { user?: { uid?: number; gid?: number; additionalGids?: number[] } } }>(bundlePath);
  const p = spec?.process;
  if (!p) throw new BerthError("invalid_argument", `bundle ${quote(bundlePath)} has no process in its config.json`);
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: p.cwd ?? "/",
    terminal: p.terminal ?? false,
    user: { uid: p.user?.uid ?? 0, gid: p.user?.gid ?? 0, ...(p.user?.additionalGids ? { additionalGids: p.user.additionalGids } : {}) },
  };
}
