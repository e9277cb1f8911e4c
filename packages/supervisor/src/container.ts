/**
 * A container as berthd mirrors it: what was asked for (its record), the states its shim reported (the init's and
 * each exec's, changed only by the event relay from the shim's changes), and the serial queue that orders every
 * operation on it. Fields marked "queue" are written only from work on that queue, "relay" only by relay.ts.
 */
import { type Change, type Container, containerStatus, isLive, type ProcessState, type Process, processStatus, SerialQueue, stateAfter, type User } from "@berth/protocol";
import type { ContainerLayout, ContainerRecord } from "@berth/state";
import { PidsReader } from "./cgroups.ts";
import type { ExecEntry } from "./exec.ts";
import type { ShimClient } from "./shim-client.ts";

/** The init's process spec, from the bundle's config.json, as the API shows it. */
export interface InitSpec {
  args: string[];
  env: string[];
  cwd: string;
  terminal: boolean;
  user: User;
}

/** A moment others wait for: a promise with its resolve, and the value once it came. */
class Moment<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  done = false;
  value: T | undefined;
  constructor() {
    this.promise = new Promise((r) => (this.resolve = (v) => {
      if (this.done) return;
      this.done = true;
      this.value = v;
      r(v);
    }));
  }
}

/** One life of the init: when it started, and when and how it ended. */
export interface Life {
  startedAt: string;
  exitedAt?: string;
  status?: number;
}

export class ContainerEntry {
  readonly queue = new SerialQueue();
  /** queue: the connected shim, while there is one. */
  shim: ShimClient | undefined;
  /** relay: the init's state, as its shim reported it. */
  state: ProcessState = "created";
  /** queue: the init's host pid and cgroup.procs, found at create or restore. */
  systemPid = 0;
  /** queue: its cgroup's processes, while it runs. */
  private pids: PidsReader | undefined;
  /** relay */
  exitStatus: number | undefined;
  exitedAt: string | undefined;
  /** relay: the number of the last change journaled; changes that came early wait in `pending`. */
  lastRelayed = 0;
  readonly pending = new Map<number, Change>();
  /** Execs by id (exited ones too), until the container is removed. */
  readonly execs = new Map<string, ExecEntry>();
  /** relay: the container as it was when its start was journaled: what a create answers (API.md: "once its init runs"). */
  asStarted: Container | undefined;
  /** Remove the container once it is cleaned up after its exit (`berth start --rm`, or a dir restore cannot read). */
  autoRemove: boolean;
  /** relay: each life of the init (a restart policy starts a new one in the same container), oldest first. */
  readonly lives: Life[] = [];
  /** When a pending restart is due (restart.ts sets and clears it). */
  restartAt: string | undefined;
  /** The init's exit is published: resolves with its status (a new life has a new one). */
  stopped = new Moment<number>();
  /** The runtime's container, the shim and the cgroups are gone (the shim said deleted, or berthd cleaned up). */
  cleaned = new Moment<{ deleted: boolean }>();
  /** Out of the registry (deleted, replaced or pushed out): nothing may touch its state dir any more. */
  removed = false;

  constructor(readonly record: ContainerRecord, readonly layout: ContainerLayout) {
    this.autoRemove = record.autoRemove ?? false;
  }

  get id(): string {
    return this.record.id;
  }

  /** The key of this life of the id: a create of the same id later is another instance. */
  get instance(): string {
    return `${this.id}@${this.record.createdAt}`;
  }

  /** Listed once its start is reported, until it is removed. */
  get visible(): boolean {
    return this.state !== "created" && !this.removed;
  }

  get live(): boolean {
    return isLive(this.state);
  }

  /** relay: a journaled change moves the mirrored states. */
  apply(change: Change): void {
    const to = stateAfter(change.type);
    if (change.pid !== "init") {
      this.execs.get(change.pid)?.apply(change);
      return;
    }
    if (to) this.state = to;
    if (change.type === "start-container") {
      if (this.stopped.done) this.beginLife();
      this.exitStatus = this.exitedAt = undefined;
      this.lives.push({ startedAt: change.at });
      if (change.systemPid && change.systemPid !== this.systemPid) this.watchInit(change.systemPid);
      this.asStarted = this.toApi();
    }
    if (change.type === "exit") {
      this.exitStatus = change.status ?? 255;
      this.exitedAt = change.at;
      this.unwatch();
      const life = this.lives.at(-1);
      if (life) Object.assign(life, { exitedAt: change.at, status: this.exitStatus });
      this.stopped.resolve(this.exitStatus);
    }
  }

  /** The init runs as host pid `systemPid`: its cgroup's processes are listed from now on. */
  watchInit(systemPid: number): void {
    this.unwatch();
    this.systemPid = systemPid;
    this.pids = new PidsReader(systemPid);
  }

  /** Its processes are gone (or it is removed): they are not listed any more. */
  unwatch(): void {
    this.pids = undefined;
  }

  /** A new life of the init is on its way (a restart): its exit and its cleanup are still to come. */
  beginLife(): void {
    this.stopped = new Moment();
    this.cleaned = new Moment();
  }

  toApi(): Container {
    const status = containerStatus(this.state);
    const init: Process = {
      pid: "init",
      systemPid: this.systemPid,
      ...this.record.init,
      stdin: this.record.stdin ?? "",
      stdout: this.record.stdout ?? "",
      stderr: this.record.stderr ?? "",
      status: processStatus(this.state),
      ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus }),
    };
    return {
      id: this.id,
      bundlePath: this.record.bundlePath,
      status,
      labels: this.record.labels,
      runtime: this.record.runtime,
      createdAt: this.record.createdAt,
      pids: this.live ? (this.pids?.read() ?? []) : [],
      processes: [init, ...[...this.execs.values()].filter((e) => e.state !== "created").map((e) => e.toApi())],
      ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus, exitedAt: this.exitedAt! }),
      ...(this.record.image ? { image: this.record.image } : {}),
      ...(this.record.restart ? { restart: this.record.restart, restartCount: Math.max(0, this.lives.length - 1) } : {}),
      ...(this.restartAt ? { restartAt: this.restartAt } : {}),
    };
  }
}
