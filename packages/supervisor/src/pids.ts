/**
 * Each running container's pids (API.md's `pids`: the processes of its cgroup, exact at every answer), without
 * reading every container's cgroup.procs at every listing. A container's pid set is kept, and read again from its
 * cgroup.procs (once) only when it can have changed, which the kernel's process events tell (@berth/sys
 * proc-events.ts): before a set is used, every event queued since the last use is drained (once per synchronous
 * turn of berthd, so a listing of 100 containers drains once), and
 * - a fork whose parent is one of the set's processes, or the container's shim, makes the set stale: the child is
 *   born in its parent's cgroup (CLONE_INTO_CGROUP may put it elsewhere, and a child made with CLONE_PARENT is
 *   its grandparent's: the init's is the shim's), so it is read rather than added;
 * - an exit of one of them makes the set stale too (a process whose leader thread exits may live on in its other
 *   threads, and still be listed), and takes its pid out of the index at once, so a reuse of it elsewhere is
 *   never taken for this container;
 * - a new set (the init started or restarted, or berthd restored it) starts stale, and the relay makes a set
 *   stale at each start of an exec (`runc exec` joins the cgroup from outside: no fork of a known process shows it);
 * - events the kernel dropped (a full socket buffer) make every set stale, and while there is no listener (berthd
 *   not in the initial pid and user namespaces, or without CAP_NET_ADMIN; or its socket failed) every use reads.
 * Threads are not in cgroup.procs: their starts and ends are left out. Forks and exits of processes of other
 * containers and of the rest of the machine cost a Map lookup each.
 *
 * Exact as of the drain: the kernel queues a fork's event just after the child is in its cgroup, and an exit's just
 * after the process has left it, microseconds apart. The gap: a process moved into a container's cgroup (or out of it) from outside, by a write to cgroup.procs (or
 * a CLONE_INTO_CGROUP from a process of another cgroup), makes no event of that container: it shows at the
 * container's next fork, exit or exec. Berth itself never does that; `runc exec` run by hand beside Berth does.
 */
import type { Logger } from "@berth/protocol";
import { ProcEventListener, type ProcEventSink } from "@berth/sys";
import { PidsReader } from "./cgroups.ts";

/** What the tracker needs of the kernel: a listener to open, or the reason there is none. */
export type OpenListener = () => Pick<ProcEventListener, "drain" | "close">;

export class PidTracker {
  /** Pid → the set whose container it belongs to (its processes, and its shim). */
  private readonly owners = new Map<number, ContainerPids>();
  private listener: ReturnType<OpenListener> | undefined;
  /** Bumped when events were lost or the listener went: every set read before is stale. */
  private epoch = 0;
  /** Drained already in this synchronous turn. */
  private drained = false;
  private readonly sink: ProcEventSink = {
    fork: (parent) => this.owners.get(parent)?.invalidate(),
    exit: (pid) => {
      const owner = this.owners.get(pid);
      if (!owner) return;
      owner.invalidate();
      this.owners.delete(pid);
    },
  };

  constructor(private readonly logger: Logger, open: OpenListener = ProcEventListener.open) {
    try {
      this.listener = open();
    } catch (err) {
      logger.warn("no process events: every listing reads each container's cgroup.procs", { error: String(err) });
    }
  }

  /** Whether events come (else every use of a set reads its cgroup). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** The set of the container whose init is host pid `initPid`, served by the shim `shimPid` (0: none known). */
  watch(initPid: number, shimPid: number): ContainerPids {
    return new ContainerPids(this, new PidsReader(initPid), shimPid);
  }

  /** The epoch a set read now is valid in, after every queued event is applied. */
  catchUp(): number {
    if (!this.listener || this.drained) return this.epoch;
    this.drained = true;
    queueMicrotask(() => (this.drained = false));
    try {
      if (!this.listener.drain(this.sink)) this.epoch++;
    } catch (err) {
      this.logger.warn("process events failed: every listing reads each container's cgroup.procs from now on", { error: String(err) });
      this.close();
    }
    return this.epoch;
  }

  /** Indexes `pid` as `owner`'s. */
  own(pid: number, owner: ContainerPids): void {
    this.owners.set(pid, owner);
  }

  /** Drops `pid` from the index if it is `owner`'s. */
  disown(pid: number, owner: ContainerPids): void {
    if (this.owners.get(pid) === owner) this.owners.delete(pid);
  }

  /** Closes the listener (berthd stops, or it failed); sets are read at every use from now on. */
  close(): void {
    this.listener?.close();
    this.listener = undefined;
    this.epoch++;
  }
}

/** One container's pids, sorted; the same array for as long as they do not change. */
export class ContainerPids {
  /** A fork or exit of one of its processes came since the last read, or an exec started (see the module doc). */
  private stale = true;
  private pids: number[] = [];
  private epoch = -1;
  private shimPid = 0;
  private released = false;

  /** @param reader its cgroup.procs (a PidsReader). */
  constructor(private readonly tracker: PidTracker, private readonly reader: Pick<PidsReader, "read">, shimPid: number) {
    this.watchShim(shimPid);
  }

  /** The pids now: the kept set, or cgroup.procs read again when the set may be stale. */
  read(): number[] {
    if (this.released) return [];
    const epoch = this.tracker.catchUp();
    if (!this.stale && epoch === this.epoch && this.tracker.listening) return this.pids;
    this.stale = false;
    this.epoch = epoch;
    const now = this.reader.read();
    if (this.tracker.listening) {
      for (const pid of this.pids) this.tracker.disown(pid, this);
      for (const pid of now) this.tracker.own(pid, this);
    }
    if (now.length !== this.pids.length || now.some((p, i) => p !== this.pids[i])) this.pids = now;
    return this.pids;
  }

  /** Read again at the next use. */
  invalidate(): void {
    this.stale = true;
  }

  /** The container's shim is `pid` (0: none): its forks make the set stale too. */
  watchShim(pid: number): void {
    if (this.released || pid === this.shimPid) return;
    if (this.shimPid > 0) this.tracker.disown(this.shimPid, this);
    this.shimPid = pid;
    if (pid > 0) this.tracker.own(pid, this);
  }

  /** Its processes are gone, or another set replaces it: out of the index, and nothing listed any more. */
  release(): void {
    this.watchShim(0);
    this.released = true;
    for (const pid of this.pids) this.tracker.disown(pid, this);
    this.pids = [];
  }
}
