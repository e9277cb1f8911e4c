/**
 * The OOM watch: did the kernel's OOM killer strike the container's memory cgroup while it ran? It reads the
 * cgroup's own kill counter, `oom_kill` in memory.oom_control (cgroup v1, kernels since 4.13) or memory.events
 * (v2), once when the container is created and again when its init exits, before teardown removes the cgroup;
 * a rise is written as the oom record, which berthd turns into one `oom` event before the `exit`.
 *
 * Why a counter read at exit rather than the v1 eventfd from cgroup.event_control: nothing can put an eventfd on
 * Bun's event loop (notes/bun-on-linux.md §1.7), so waiting on one takes a Worker blocked in read(2), about 5 MiB
 * and two threads in every shim for an event that rarely comes. The eventfd also fires when the cgroup is
 * removed, and on an OOM condition that kills nothing. The counter counts kills only, removal never moves it (a
 * cgroup that is gone reads as no kill), it needs no fd, thread or timer, and v1 and v2 read the same way. The
 * cost: an OOM kill that the init survives is reported when the init exits, not when it happens.
 */
import { nowRfc3339 } from "@berth/protocol";
import { type ContainerLayout, writeOomRecord } from "@berth/state";
import { cgroupsOf, readKeyed } from "@berth/sys";
import type { ShimLogger } from "./log.ts";

export class OomWatch {
  private readonly before: number;

  /** Counts from now on the kills in `counterFile` (memory.oom_control or memory.events). */
  constructor(private readonly counterFile: string) {
    this.before = readKeyed(counterFile).oom_kill ?? 0;
  }

  /** Watches the memory cgroup of `pid` (the init); undefined, and logged, when it has no kill counter to read. */
  static start(pid: number, log: ShimLogger): OomWatch | undefined {
    const cgroups = cgroupsOf(pid);
    const dir = cgroups?.dir("memory");
    const file = dir && `${dir}/${cgroups!.version === 1 ? "memory.oom_control" : "memory.events"}`;
    if (file === undefined || readKeyed(file).oom_kill === undefined) {
      log("warn", "no OOM kill counter for the container's memory cgroup: OOM kills go unreported", { file });
      return undefined;
    }
    return new OomWatch(file);
  }

  /** OOM kills since the watch started; 0 when the cgroup is gone. */
  kills(): number {
    const now = readKeyed(this.counterFile).oom_kill;
    return now === undefined ? 0 : Math.max(now - this.before, 0);
  }

  /** At the init's exit, before teardown: writes the oom record if there were kills. Never throws. */
  record(layout: ContainerLayout, log: ShimLogger): void {
    const kills = this.kills();
    if (kills === 0) return;
    log("warn", "the container's memory cgroup had OOM kills", { kills });
    try {
      writeOomRecord(layout, { kills, recordedAt: nowRfc3339() });
    } catch (err) {
      log("error", "write oom record", { error: String(err) });
    }
  }
}
