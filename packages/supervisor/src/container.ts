/**
 * A container as berthd mirrors it: what was asked for (its record), the states its shim reported (the init's and
 * each exec's, changed only by the event relay from the shim's changes), and the serial queue that orders every
 * operation on it. Fields marked "queue" are written only from work on that queue, "relay" only by relay.ts.
 *
 * Its API form (toApi) is kept serialized (json), for the listing: every field toApi reads is either fixed at
 * construction (the record) or written through a setter here or in its execs (exec.ts) that calls `touch`, and
 * its pids are the same array until they change (pids.ts); so a kept text is current while neither moved.
 */
import { type Change, type Container, containerStatus, isLive, type ProcessState, type Process, processStatus, SerialQueue, stateAfter, type User } from "@berth/protocol";
import type { ContainerLayout, ContainerRecord } from "@berth/state";
import { Execs } from "./exec.ts";
import type { ContainerPids, PidTracker } from "./pids.ts";
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

const NO_PIDS: readonly number[] = Object.freeze([]);

export class ContainerEntry {
  readonly queue = new SerialQueue();
  /** queue: the connected shim, while there is one. */
  private _shim: ShimClient | undefined;
  /** relay: the init's state, as its shim reported it. */
  private _state: ProcessState = "created";
  /** queue: the init's host pid, found at create or restore. */
  private _systemPid = 0;
  /** queue: its cgroup's processes, while it runs (pids.ts). */
  private pids: ContainerPids | undefined;
  /** relay */
  private _exitStatus: number | undefined;
  private _exitedAt: string | undefined;
  /** restart.ts: when a pending restart is due. */
  private _restartAt: string | undefined;
  /** Bumped by every change of what toApi shows (touch). */
  private version = 0;
  /** toApi as JSON, at `version` with `pids`. */
  private kept: { version: number; pids: readonly number[]; text: string } | undefined;
  /** relay: the number of the last change journaled; changes that came early wait in `pending`. */
  lastRelayed = 0;
  readonly pending = new Map<number, Change>();
  /** Execs by id (exited ones too), until the container is removed. */
  readonly execs = new Execs(() => this.touch());
  /** relay: the container as it was when its start was journaled: what a create answers (API.md: "once its init runs"). */
  asStarted: Container | undefined;
  /** Remove the container once it is cleaned up after its exit (`berth start --rm`, or a dir restore cannot read). */
  autoRemove: boolean;
  /** relay: each life of the init (a restart policy starts a new one in the same container), oldest first. */
  private readonly _lives: Life[] = [];
  /** The init's exit is published: resolves with its status (a new life has a new one). */
  stopped = new Moment<number>();
  /** The runtime's container, the shim and the cgroups are gone (the shim said deleted, or berthd cleaned up). */
  cleaned = new Moment<{ deleted: boolean }>();
  /** Out of the registry (deleted, replaced or pushed out): nothing may touch its state dir any more. */
  removed = false;

  /** @param record what was asked for, as container.json holds it: never changed. */
  constructor(readonly record: Readonly<ContainerRecord>, readonly layout: ContainerLayout, private readonly tracker: PidTracker) {
    this.autoRemove = record.autoRemove ?? false;
  }

  get shim(): ShimClient | undefined {
    return this._shim;
  }
  /** Its pid is watched with the container's (the parent of the init's CLONE_PARENT children: pids.ts). */
  set shim(shim: ShimClient | undefined) {
    this._shim = shim;
    if (shim) this.pids?.watchShim(shim.pid);
  }

  get state(): ProcessState {
    return this._state;
  }
  set state(state: ProcessState) {
    this._state = state;
    this.touch();
  }
  get systemPid(): number {
    return this._systemPid;
  }
  set systemPid(pid: number) {
    this._systemPid = pid;
    this.touch();
  }
  get exitStatus(): number | undefined {
    return this._exitStatus;
  }
  set exitStatus(status: number | undefined) {
    this._exitStatus = status;
    this.touch();
  }
  get exitedAt(): string | undefined {
    return this._exitedAt;
  }
  set exitedAt(at: string | undefined) {
    this._exitedAt = at;
    this.touch();
  }
  /** When a pending restart is due (restart.ts sets and clears it). */
  get restartAt(): string | undefined {
    return this._restartAt;
  }
  set restartAt(at: string | undefined) {
    this._restartAt = at;
    this.touch();
  }
  get lives(): readonly Life[] {
    return this._lives;
  }

  /** What toApi shows changed: the kept JSON is not current any more. */
  private touch(): void {
    this.version++;
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
      // `runc exec` put a process in the cgroup from outside: no fork of a known process shows it (pids.ts).
      if (change.type === "start-process") this.pids?.invalidate();
      return;
    }
    if (to) this.state = to;
    if (change.type === "start-container") {
      if (this.stopped.done) this.beginLife();
      this.exitStatus = this.exitedAt = undefined;
      this._lives.push({ startedAt: change.at });
      this.touch();
      if (change.systemPid && change.systemPid !== this.systemPid) this.watchInit(change.systemPid);
      else this.pids?.invalidate();
      this.asStarted = this.toApi();
    }
    if (change.type === "exit") {
      this.exitStatus = change.status ?? 255;
      this.exitedAt = change.at;
      this.unwatch();
      const life = this._lives.at(-1);
      if (life) Object.assign(life, { exitedAt: change.at, status: this.exitStatus });
      this.stopped.resolve(this.exitStatus);
    }
  }

  /** The init runs as host pid `systemPid`: its cgroup's processes are listed from now on. */
  watchInit(systemPid: number): void {
    this.unwatch();
    this.systemPid = systemPid;
    this.pids = this.tracker.watch(systemPid, this.shim?.pid ?? 0);
  }

  /** Its processes are gone (or it is removed): they are not listed any more. */
  unwatch(): void {
    this.pids?.release();
    this.pids = undefined;
  }

  /** A new life of the init is on its way (a restart): its exit and its cleanup are still to come. */
  beginLife(): void {
    this.stopped = new Moment();
    this.cleaned = new Moment();
  }

  /** toApi as JSON text (what JSON.stringify gives), kept while it is current. */
  json(): string {
    const pids = this.currentPids();
    const kept = this.kept;
    if (kept && kept.version === this.version && kept.pids === pids) return kept.text;
    const text = JSON.stringify(this.toApi(pids));
    this.kept = { version: this.version, pids, text };
    return text;
  }

  /** Its processes now: none once it is not live. */
  private currentPids(): readonly number[] {
    return this.live ? (this.pids?.read() ?? NO_PIDS) : NO_PIDS;
  }

  toApi(pids = this.currentPids()): Container {
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
      pids: [...pids],
      processes: [init, ...[...this.execs.values()].filter((e) => e.state !== "created").map((e) => e.toApi())],
      ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus, exitedAt: this.exitedAt! }),
      ...(this.record.image ? { image: this.record.image } : {}),
      ...(this.record.restart ? { restart: this.record.restart, restartCount: Math.max(0, this.lives.length - 1) } : {}),
      ...(this.restartAt ? { restartAt: this.restartAt } : {}),
    };
  }
}
