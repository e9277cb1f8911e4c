/**
 * Container operations beyond create and signal: pause and resume, resource updates, stats and delete. Each finds
 * the container (404 when unknown) and, apart from the stats read, runs on its queue so operations on one
 * container happen in order. An operation's event is emitted only once the runtime has done it; a failing runtime
 * call leaves the container as it was and reaches the user with the runtime's own words.
 */
import { BerthError, type Container, type ContainerPatch, type Resources, type Stats, wrapError } from "@berth/protocol";
import type { LinuxResources } from "@berth/runtime";
import { cgroupsOf, isSameProcess } from "@berth/sys";
import type { ContainerEntry } from "./container.ts";
import { readStats } from "./stats.ts";
import type { Supervisor } from "./supervisor.ts";

type Operation = "pause" | "resume" | "update";

export class ContainerOperations {
  constructor(private readonly supervisor: Supervisor) {}

  /** PATCH: the resources first, then the status; asking for the status the container already has changes nothing. */
  async update(id: string, patch: ContainerPatch): Promise<Container> {
    if (!patch.resources && !patch.status) throw new BerthError("invalid_argument", "nothing to change: give status or resources");
    const entry = this.supervisor.container(id);
    return entry.queue.run(async () => {
      const runc = this.supervisor.runtimeFor(entry);
      if (patch.resources) {
        requireRunning(entry, "update");
        await this.apply(entry, "update", () => runc.update(id, linuxResources(patch.resources!)));
      }
      const status = patch.status;
      if (status) {
        const op = status === "paused" ? "pause" : "resume";
        requireRunning(entry, op);
        if (entry.status !== status) await this.apply(entry, op, () => (op === "pause" ? runc.pause(id) : runc.resume(id)), status);
      }
      return entry.toApi();
    });
  }

  /**
   * DELETE: a stopped container is already being released; a running one only with `force`, which thaws it if
   * paused (a frozen process does not die), kills its init and waits until the container is released.
   */
  async remove(id: string, force: boolean): Promise<void> {
    const entry = this.supervisor.container(id);
    await this.supervisor.metrics.time("delete", () => this.removeEntry(entry, force));
  }

  private async removeEntry(entry: ContainerEntry, force: boolean): Promise<void> {
    const { id } = entry;
    await entry.queue.run(async () => {
      if (entry.status === "released" || isStopped(entry)) return;
      if (!force) throw new BerthError("failed_precondition", `cannot delete container ${id}: it is ${entry.status} (use force to kill it)`);
      if (entry.status === "paused") {
        await this.supervisor.runtimeFor(entry).resume(id).catch((err) => {
          throw wrapError(`delete container ${id}: thaw it`, err);
        });
        entry.status = "running";
      }
      await entry.shim!.call("signal", { pid: "init", signal: 9 }).catch((err) => {
        // An init that has just exited is on its way out anyway.
        if (!(err instanceof BerthError && err.code === "failed_precondition")) throw wrapError(`delete container ${id}: kill it`, err);
      });
    });
    await within(entry.released, this.supervisor.config.startTimeoutMs, `delete container ${id}: wait for its release`);
  }

  /** Read from the container's cgroups, not through the runtime. */
  stats(id: string): Stats {
    const entry = this.supervisor.container(id);
    const started = performance.now();
    const cgroups = isStopped(entry) ? undefined : cgroupsOf(entry.systemPid);
    if (!cgroups) throw new BerthError("failed_precondition", `cannot read stats of container ${id}: it is stopped`);
    const stats = readStats(cgroups);
    this.supervisor.metrics.observe("stats", (performance.now() - started) / 1000);
    return stats;
  }

  /** On the queue: runs the runtime call, sets the new status, then emits the operation's event. */
  private async apply(entry: ContainerEntry, op: Operation, call: () => Promise<void>, status?: "paused" | "running"): Promise<void> {
    await this.supervisor.metrics.time(op, call).catch((err) => {
      throw wrapError(`${op} container ${entry.id}`, err);
    });
    if (status) entry.status = status;
    this.supervisor.events.emit({ type: op, id: entry.id });
  }
}

/** Its init has exited: the shim said so, or /proc no longer has it (the shim's report comes after teardown). */
export function isStopped(entry: ContainerEntry): boolean {
  return entry.status === "stopped" || entry.initExit !== undefined || !isSameProcess(entry.systemPid, entry.initStartTime);
}

/** On the queue: `op` needs a container that is still there (404) and not stopped (409). */
export function requireRunning(entry: ContainerEntry, op: string): void {
  if (entry.status === "released") throw new BerthError("not_found", `container ${entry.id} not found`);
  if (isStopped(entry)) throw new BerthError("failed_precondition", `cannot ${op} container ${entry.id}: it is stopped`);
}

/** The API's Resources as OCI LinuxResources; what is left out stays out of the JSON, so runc leaves it as it is. */
export function linuxResources(r: Resources): LinuxResources {
  return {
    memory: { limit: r.memoryLimit, reservation: r.memoryReservation, swap: r.memorySwap, kernel: r.kernelMemoryLimit },
    cpu: { shares: r.cpuShares, quota: r.cpuQuota, period: r.cpuPeriod, cpus: r.cpusetCpus, mems: r.cpusetMems },
    blockIO: { weight: r.blkioWeight },
    ...(r.pidsLimit === undefined ? {} : { pids: { limit: r.pidsLimit } }),
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BerthError("timeout", `${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
