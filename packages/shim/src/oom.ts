/**
 * The OOM watch: the kernel's OOM killer striking the container's memory cgroup. Its kill counter (`oom_kill` in
 * memory.oom_control on cgroup v1, in memory.events on v2) is the truth: the wake-ups only say when to read it,
 * and so does the death of any of the container's processes (the shim reads it when it reaps one).
 * On v1 an eventfd is registered through cgroup.event_control for memory.oom_control; Bun's own reader waits on
 * it in the event loop (no thread). It also fires when the cgroup is removed and on an OOM that kills nothing:
 * a wake-up counts only if the cgroup is still there and the counter moved. On v2 the kernel notifies changes of
 * memory.events to inotify. Each rise is handed to `onOom`, which records the container's one `oom` change (the
 * change log makes it durable before berthd is told); the counter is read once more at the init's exit, before
 * teardown removes the cgroup.
 */
import { existsSync, type FSWatcher, openSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@berth/protocol";
import { type Cgroups, cgroupsOf, closeFd, makeEventFd, readKeyed } from "@berth/sys";

/** After a wake-up, when to read the counter again (ms): the kill lands a little after the OOM notification. */
const RECHECK_MS = [5, 25, 100, 500];

export class OomWatch {
  private readonly before: number;
  private recorded = 0;
  private readonly stops: (() => void)[] = [];
  private wakeups: ReadableStreamDefaultReader<Uint8Array> | undefined;

  /**
   * Counts kills in `counterFile` above `before` (by default, the kills it holds now); `onOom` is told the total
   * of kills at each rise.
   */
  constructor(
    private readonly counterFile: string,
    private readonly log: Logger,
    private readonly onOom: (kills: number) => void,
    before?: number,
  ) {
    this.before = before ?? readKeyed(counterFile).oom_kill ?? 0;
  }

  /**
   * The kills already in the memory cgroup runc is about to put container `id` in, read before `runc run`: the
   * init runs before the watch can start, and a kill in between must still count. 0 when that cgroup does not
   * exist yet (runc makes it, with no kills); undefined when its place cannot be told (see runcCgroupDir).
   */
  static countBefore(cgroupsPath: string | undefined, id: string): number | undefined {
    const own = cgroupsOf(process.pid);
    const dir = own && runcCgroupDir(own, "memory", cgroupsPath, id);
    if (own === undefined || dir === undefined) return undefined;
    return existsSync(dir) ? readKeyed(counterFileIn(dir, own.version)).oom_kill ?? 0 : 0;
  }

  /**
   * Watches the memory cgroup of `pid` (the init), counting kills above `before` (OomWatch.countBefore; by default
   * those it holds now); undefined, and logged, when it has no kill counter to read.
   */
  static start(pid: number, log: Logger, onOom: (kills: number) => void, before?: number): OomWatch | undefined {
    const cgroups = cgroupsOf(pid);
    const dir = cgroups?.dir("memory");
    const file = dir && counterFileIn(dir, cgroups!.version);
    if (dir === undefined || file === undefined || readKeyed(file).oom_kill === undefined) {
      log.warn("no OOM kill counter for the container's memory cgroup: OOM kills go unreported", { file });
      return undefined;
    }
    const watchOom = new OomWatch(file, log, onOom, before);
    try {
      if (cgroups!.version === 1) watchOom.onEventFd(dir, file);
      else watchOom.onInotify(file);
    } catch (err) {
      log.warn("cannot watch for OOM kills as they happen; checking at exit only", { error: String(err) });
    }
    return watchOom;
  }

  /** Reads the counter and, if it rose, says so. Never throws. */
  check(): void {
    const now = readKeyed(this.counterFile).oom_kill;
    const kills = now === undefined ? 0 : Math.max(now - this.before, 0);
    if (kills <= this.recorded) return;
    this.recorded = kills;
    this.log.warn("the container's memory cgroup had OOM kills", { kills });
    this.onOom(kills);
  }

  /** At the init's exit, before teardown: a last read, then no more watching. */
  close(): void {
    this.check();
    for (const stop of this.stops.splice(0)) stop();
  }

  private onEventFd(dir: string, file: string): void {
    const control = openSync(file, "r");
    let efd: number;
    try {
      efd = makeEventFd();
      writeFileSync(`${dir}/cgroup.event_control`, `${efd} ${control}`);
    } catch (err) {
      closeFd(control);
      throw err;
    }
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      closeFd(efd);
      closeFd(control);
    };
    this.stops.push(stop);
    // Held by the watch, so nothing collects the reader while it waits.
    this.wakeups = Bun.file(efd).stream().getReader();
    const wakeups = this.wakeups;
    (async () => {
      while (!(await wakeups.read()).done) {
        if (!existsSync(`${dir}/cgroup.event_control`)) break; // the cgroup went away: not an OOM
        // The wake-up comes when the cgroup hits OOM, before the killer has picked its victim: look again shortly.
        this.check();
        for (const ms of RECHECK_MS) setTimeout(() => this.check(), ms);
      }
    })().catch((err) => this.log.warn("OOM watch stopped", { error: String(err) })).finally(stop);
  }

  private onInotify(file: string): void {
    const watcher: FSWatcher = watch(file, () => this.check());
    this.stops.push(() => watcher.close());
  }
}

/** The file with the memory cgroup's kill counter: memory.oom_control on v1, memory.events on v2. */
function counterFileIn(dir: string, version: 1 | 2): string {
  return `${dir}/${version === 1 ? "memory.oom_control" : "memory.events"}`;
}

/**
 * Where runc's cgroupfs driver (libcontainer/cgroups/fs) puts container `id`'s cgroup for `controller`: an
 * absolute `cgroupsPath` below the hierarchy's mount point, a relative one (or the id, when the bundle gives
 * none) below the cgroup of runc's caller, this shim (`own`). Undefined for the systemd driver's
 * "slice:prefix:name", or when the controller is not mounted.
 */
function runcCgroupDir(own: Cgroups, controller: string, cgroupsPath: string | undefined, id: string): string | undefined {
  if (cgroupsPath?.includes(":")) return undefined;
  if (cgroupsPath?.startsWith("/")) {
    const mount = own.mountPoint(controller);
    return mount === undefined ? undefined : join(mount, cgroupsPath);
  }
  const parent = own.dir(controller);
  return parent === undefined ? undefined : join(parent, cgroupsPath || id);
}
