/**
 * Container operations beyond create: signal, pause and resume, resource updates, stats and delete. Each finds the
 * container (404 when unknown) and asks its shim, whose state objects decide (a refusal is 409 naming the
 * operation and the state); berthd answers once the operation's event is journaled (relay.ts), so a client that
 * reads the event stream next sees it. Stats are read from the container's cgroups, not through the runtime.
 */
import { BerthError, type Container, type ContainerPatch, parseSignal, type Stats, wrapError } from "@berth/protocol";
import { cgroupsOf } from "@berth/sys";
import type { ContainerEntry } from "./container.ts";
import { type Context, within } from "./context.ts";
import type { Restarts } from "./restart.ts";
import { readStats } from "./stats.ts";

export class ContainerOperations {
  constructor(private readonly ctx: Context, private readonly restarts: Restarts) {}

  /**
   * POST .../signal: to the init or an exec, through the shim (pidfd: never a reused pid). A signal to the init
   * through the API ends its restart policy (API.md); berthd's own stop on exit passes `endsPolicy: false`.
   */
  async signal(id: string, pid: string, signal: string | number, { endsPolicy = true } = {}): Promise<void> {
    const number = parseSignal(signal);
    const entry = this.ctx.registry.get(id);
    if (pid !== "init" && !entry.execs.get(pid)?.visible) throw new BerthError("not_found", `process ${pid} not found in container ${id}`);
    if (pid === "init" && endsPolicy) this.restarts.end(entry);
    await entry.queue.run(() => this.shimOf(entry, "signal").call("signal", { pid, signal: number })).catch((err) => {
      throw wrapError(`signal ${pid} of container ${id}`, err);
    });
  }

  /** PATCH: the resources first, then the status; asking for the status the container already has changes nothing. */
  async update(id: string, patch: ContainerPatch): Promise<Container> {
    if (!patch.resources && !patch.status) throw new BerthError("invalid_argument", "nothing to change: give status or resources");
    const entry = this.ctx.registry.get(id);
    await entry.queue.run(async () => {
      if (patch.resources) {
        const resources = patch.resources;
        const shim = this.shimOf(entry, "update");
        await this.apply(entry, "update", () => shim.call("update", { resources }));
      }
      if (patch.status) {
        const op = patch.status === "paused" ? "pause" : "resume";
        const shim = this.shimOf(entry, op);
        await this.apply(entry, op, () => shim.call(op));
      }
    });
    return entry.toApi();
  }

  /**
   * DELETE: a stopped container is removed with its logs once its cleanup is done; a live one only with `force`:
   * SIGKILL (the shim thaws a paused one), then its exit, then the removal.
   */
  async remove(id: string, force: boolean): Promise<void> {
    const entry = this.ctx.registry.get(id);
    const timeout = this.ctx.config.startTimeoutMs;
    await this.ctx.metrics.time("delete", async () => {
      await entry.queue.run(async () => {
        if (!entry.live) return;
        if (!force) throw new BerthError("failed_precondition", `cannot delete ${entry.state} container ${id} (use force to kill it)`);
        this.restarts.end(entry);
        await this.shimOf(entry, "delete").call("signal", { pid: "init", signal: 9 }).catch((err) => {
          // An init that has just exited, or a shim already on its way out (its exit is coming, or onShimGone
          // kills what is left), ends by itself: wait for the exit below.
          const ending = err instanceof BerthError && (err.code === "failed_precondition" || err.code === "unavailable");
          if (!ending) throw wrapError(`delete container ${id}: kill it`, err);
        });
      });
      await within(entry.stopped.promise, timeout, `delete container ${id}: wait for its exit`);
      await within(entry.cleaned.promise, timeout, `delete container ${id}: wait for its cleanup`);
      this.ctx.registry.remove(entry);
    });
  }

  /** Read from the container's cgroups; 409 for a stopped container. */
  stats(id: string): Stats {
    const entry = this.ctx.registry.get(id);
    const started = performance.now();
    const cgroups = entry.live ? cgroupsOf(entry.systemPid) : undefined;
    if (!cgroups) throw new BerthError("failed_precondition", `cannot read stats of stopped container ${id}`);
    const stats = readStats(cgroups);
    this.ctx.metrics.observe("stats", (performance.now() - started) / 1000);
    return stats;
  }

  /** On the queue: the shim does it; berthd waits until its event is journaled. */
  private async apply(entry: ContainerEntry, op: "pause" | "resume" | "update", call: () => Promise<{ change?: number }>): Promise<void> {
    const { change } = await this.ctx.metrics.time(op, call).catch((err) => {
      throw wrapError(`${op} container ${entry.id}`, err);
    });
    if (change !== undefined) await this.ctx.relay.published(entry, change, this.ctx.config.startTimeoutMs);
  }

  /** The container's shim, or failed_precondition once it has none (the container has stopped). */
  private shimOf(entry: ContainerEntry, op: string) {
    if (!entry.shim || !entry.live) throw new BerthError("failed_precondition", `cannot ${op} ${entry.state === "created" ? "created" : "stopped"} container ${entry.id}`);
    return entry.shim;
  }
}
