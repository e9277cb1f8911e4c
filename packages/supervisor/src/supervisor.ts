/**
 * The supervisor: the registry of containers and the operations on them. Work on one container runs on its
 * serial queue; nothing is held across containers, and no lock spans a wait on a shim, a runtime or the disk
 * beyond that container's own queue. The create path is: reserve the id, write the record, start the shim,
 * create, then start (so berthd is already listening for the exit), emit start-container, answer.
 * An init exit is journaled, then the container is released (state dir removed, id free), then published.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  BerthError, type Container, type CreateContainer, type ExitRecord, nowRfc3339, parseSignal, quote, type State, wrapError,
} from "@berth/protocol";
import { Runc } from "@berth/runtime";
import { type ContainerLayout, type ContainerRecord, readExitRecord, readOomRecord, StateLayout, writeContainerRecord } from "@berth/state";
import { cgroupsOf, processExists, processStartTime, spawn } from "@berth/sys";
import { procsFileOf } from "./cgroups.ts";
import { restoreFrom } from "./checkpoints.ts";
import { checkStdioPaths } from "./client-paths.ts";
import { ContainerEntry, readInitSpec } from "./container.ts";
import { EventBroker } from "./events.ts";
import { Journal, type NewEvent } from "./journal.ts";
import type { Logger } from "./logger.ts";
import { machineInfo } from "./machine.ts";
import { type ContainerUsage, Metrics } from "./metrics.ts";
import { readStats } from "./stats.ts";
import { Processes } from "./processes.ts";
import { restoreAll } from "./restore.ts";
import { type ExitNotice, type ShimNotices, startShim } from "./shim-client.ts";

const RECENT_EXITS = 1024;

export interface SupervisorConfig {
  stateDir: string;
  runtime: string;
  runtimeArgs: string[];
  startTimeoutMs: number;
  retainCount: number;
  /** argv that runs berth-shim; the container dir is appended. */
  shimCommand: string[];
  /** Captured output: each log file rotates at this size. */
  logMaxBytes: number;
  /** Export cpu, memory and pids per container in /metrics (a cgroup read per container per scrape). */
  metricsPerContainer?: boolean;
  logger: Logger;
}

export class Supervisor {
  readonly layout: StateLayout;
  readonly events: EventBroker;
  readonly metrics: Metrics;
  private readonly containers = new Map<string, ContainerEntry>();
  /** Init exit statuses of recently released containers, for a wait that comes just after the exit. */
  readonly recentExits = new Map<string, number>();
  private trashed = 0;
  readonly processes = new Processes(this);
  private restoring: Promise<void> | undefined;
  private readonly pendingRestores = new Map<string, Promise<void>>();

  constructor(readonly config: SupervisorConfig) {
    this.layout = new StateLayout(config.stateDir);
    mkdirSync(config.stateDir, { recursive: true, mode: 0o711 });
    mkdirSync(this.layout.containersDir, { recursive: true, mode: 0o700 });
    rmSync(this.layout.trashDir, { recursive: true, force: true });
    mkdirSync(this.layout.trashDir, { mode: 0o700 });
    const journal = new Journal(this.layout.journal, config.retainCount);
    if (journal.skippedLines > 0) config.logger.warn("skipped unreadable journal lines", { count: journal.skippedLines });
    this.events = new EventBroker(journal);
    this.metrics = new Metrics({
      containersByStatus: () => {
        const counts: Record<string, number> = { running: 0, paused: 0, stopped: 0 };
        for (const c of this.containers.values()) if (c.visible) counts[c.status] = (counts[c.status] ?? 0) + 1;
        return counts;
      },
      shims: () => [...this.containers.values()].filter((c) => c.shim).length,
      subscribers: () => this.events.subscriberCount,
      journalEvents: () => this.events.journal.size,
      journalBytes: () => statSync(this.layout.journal, { throwIfNoEntry: false })?.size ?? 0,
      eventsWritten: () => this.events.written,
      ...(config.metricsPerContainer ? { perContainer: () => this.usage() } : {}),
    });
  }

  list(): Container[] {
    return [...this.containers.values()].filter((c) => c.visible).sort((a, b) => (a.id < b.id ? -1 : 1)).map((c) => c.toApi());
  }

  get(id: string): Container {
    return this.container(id).toApi();
  }

  state(): State {
    return { containers: this.list(), machine: machineInfo() };
  }

  async create(request: CreateContainer): Promise<Container> {
    const { id } = request;
    const init = await this.checkBundle(request.bundlePath);
    await checkStdioPaths(request, this.config.stateDir);
    const restore = await restoreFrom(request, this.config.stateDir);
    if (this.containers.has(id)) throw new BerthError("already_exists", `container ${id} already exists`);
    const record: ContainerRecord = {
      id,
      bundlePath: request.bundlePath,
      ...(request.stdin ? { stdin: request.stdin } : {}),
      ...(request.stdout ? { stdout: request.stdout } : {}),
      ...(request.stderr ? { stderr: request.stderr } : {}),
      labels: request.labels ?? [],
      noPivotRoot: request.noPivotRoot ?? false,
      runtime: request.runtime ?? this.config.runtime,
      runtimeArgs: request.runtimeArgs ?? this.config.runtimeArgs,
      createdAt: nowRfc3339(),
      startTimeoutMs: this.config.startTimeoutMs,
      logMaxBytes: this.config.logMaxBytes,
      init,
      ...(restore ? { restore } : {}),
    };
    const entry = new ContainerEntry(record, this.layout.container(id));
    this.containers.set(id, entry);
    return entry.queue.run(() => this.createOnQueue(entry));
  }

  async signal(id: string, pid: string, signal: string | number): Promise<void> {
    const number = parseSignal(signal);
    const entry = this.container(id);
    const exec = entry.execs.get(pid);
    if (pid !== "init" && (!exec || exec.status === "creating")) throw new BerthError("not_found", `process ${pid} not found in container ${id}`);
    await entry.queue.run(async () => {
      if (!entry.shim || (entry.status !== "running" && entry.status !== "paused")) {
        throw new BerthError("not_found", `container ${id} not found`);
      }
      if (exec?.status === "exited") throw new BerthError("failed_precondition", `process ${pid} of container ${id} has exited`);
      await entry.shim.call("signal", { pid, signal: number }).catch((err) => {
        throw wrapError(`signal ${pid} of container ${id}`, err);
      });
    });
  }

  /** A listed container, or not_found. Operations on it go through its queue. */
  container(id: string): ContainerEntry {
    const entry = this.containers.get(id);
    if (!entry || !entry.visible) throw new BerthError("not_found", `container ${id} not found`);
    return entry;
  }

  /** The runtime as this container was created with (its own runtime and global args). */
  runtimeFor(entry: ContainerEntry): Runc {
    return this.runtime(entry.layout, entry.record);
  }

  /** A runtime logging into `layout`; berthd's own runtime and global args unless `choice` names others. */
  runtime(layout: ContainerLayout, choice?: { runtime: string; runtimeArgs: string[] }): Runc {
    return new Runc({
      binary: choice?.runtime ?? this.config.runtime,
      globalArgs: choice?.runtimeArgs ?? this.config.runtimeArgs,
      logDir: layout.runcLogDir,
      timeoutMs: this.config.startTimeoutMs,
      spawn,
    });
  }

  private async checkBundle(bundlePath: string) {
    const init = await readInitSpec(bundlePath);
    if (!init) throw new BerthError("invalid_argument", `bundle ${quote(bundlePath)} has no process in its config.json`);
    return init;
  }

  private async createOnQueue(entry: ContainerEntry): Promise<Container> {
    const { id } = entry;
    try {
      mkdirSync(entry.layout.dir, { mode: 0o700 });
    } catch (err) {
      this.containers.delete(id);
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new BerthError("already_exists", `container ${id} already exists (its state dir ${entry.layout.dir} is still there)`);
      }
      throw wrapError(`create state dir for ${id}`, err);
    }
    try {
      writeContainerRecord(entry.layout, entry.record);
      const timeout = this.config.startTimeoutMs;
      entry.shim = await startShim(this.config.shimCommand, entry.layout, timeout, this.noticesFor(entry));
      const shim = entry.shim;
      const { systemPid } = await this.metrics.time("create", () => shim.call("create"));
      entry.systemPid = systemPid;
      entry.initStartTime = processStartTime(systemPid) ?? "";
      entry.procsFile = procsFileOf(systemPid);
      // A restore (runc restore --detach) has already started the container.
      if (!entry.record.restore) await this.metrics.time("start", () => shim.call("start"));
    } catch (err) {
      await this.discard(entry);
      throw wrapError(`create container ${id}`, err);
    }
    entry.status = "running";
    entry.started = true;
    this.report(entry, { type: "start-container", id });
    entry.shim.gone.then(() => this.onShimGone(entry));
    this.config.logger.info("container started", { container: id, pid: entry.systemPid });
    return entry.toApi();
  }

  /** Undoes a failed create: the shim goes, then whatever the runtime still has of the container, then its state dir. */
  private async discard(entry: ContainerEntry): Promise<void> {
    const shim = entry.shim;
    if (shim) {
      await shim.call("shutdown").catch(() => {});
      await shim.gone;
    }
    // The shim may have gone before its own delete (a failed start, its orphan timer): the id must stay usable.
    await this.runtimeFor(entry).delete(entry.id, { force: true }).catch(() => {});
    entry.status = "released";
    rmSync(entry.layout.dir, { recursive: true, force: true });
    this.containers.delete(entry.id);
    entry.markReleased();
  }

  /** cpu, memory and pids of every running container, from its cgroups. */
  private usage(): ContainerUsage[] {
    const usage: ContainerUsage[] = [];
    for (const c of this.containers.values()) {
      const cgroups = c.status === "running" || c.status === "paused" ? cgroupsOf(c.systemPid) : undefined;
      if (!cgroups) continue;
      const stats = readStats(cgroups);
      usage.push({ id: c.id, cpuSeconds: stats.cpu.usage.total / 1e9, memoryBytes: stats.memory.usage.usage, pids: stats.pids.current });
    }
    return usage;
  }

  /** What berthd is doing, for SIGUSR1: the registry, shims, queues with work in flight, subscribers, journal. */
  diagnostics() {
    return {
      containers: [...this.containers.values()].map((c) => ({
        id: c.id,
        status: c.status,
        shimPid: c.shim?.pid,
        initPid: c.systemPid,
        queued: c.queue.length,
        execs: [...c.execs.values()].map((e) => ({ pid: e.pid, status: e.status, systemPid: e.systemPid })),
      })),
      inFlight: [...this.containers.values()].filter((c) => c.queue.length > 0).map((c) => ({ id: c.id, queued: c.queue.length })),
      restoring: this.isRestoring,
      subscribers: this.events.subscriberCount,
      journal: { events: this.events.journal.size, nextSeq: this.events.journal.nextSeq },
    };
  }

  /** Restores every container found in the state dir (restore.ts); API calls for one wait for it. */
  async restore(): Promise<void> {
    const started = performance.now();
    this.restoring = restoreAll(this, this.pendingRestores);
    await this.restoring;
    this.restoring = undefined;
    this.pendingRestores.clear();
    const ms = performance.now() - started;
    this.metrics.restored(ms / 1000);
    this.config.logger.info("restore done", { containers: this.containers.size, ms: Math.round(ms) });
  }

  get isRestoring(): boolean {
    return this.restoring !== undefined;
  }

  /** Waits until the container `id` (or, without an id, every container) has been restored. */
  async restored(id?: string): Promise<void> {
    if (!this.restoring) return;
    await (id === undefined ? this.restoring : this.pendingRestores.get(id));
  }

  /** @internal restore.ts: adds a rebuilt container to the registry. */
  register(entry: ContainerEntry): void {
    this.containers.set(entry.id, entry);
  }

  /** The shim reports an exit once it is on disk; for the init, the shim then tears down and exits. */
  /** @internal restore.ts too: what to do with what this container's shim tells. */
  noticesFor(entry: ContainerEntry): ShimNotices {
    return { exit: (notice) => this.onExit(entry, notice), oom: () => this.onOom(entry) };
  }

  /** One `oom` event per container, as soon as the shim has the kill on disk (before the exit it may cause). */
  private onOom(entry: ContainerEntry): void {
    entry.queue.run(() => {
      // After the release the exit is out: an oom now would come after it, and its marker has no dir to go in.
      if (entry.status !== "released" && entry.started && !this.hasEvent(entry, "oom")) this.report(entry, { type: "oom", id: entry.id });
    });
  }

  private onExit(entry: ContainerEntry, notice: ExitNotice): void {
    if (notice.pid !== "init") {
      entry.queue.run(() => this.execExited(entry, notice.pid, notice.status, notice.exitedAt));
      return;
    }
    // The shim tells the init's exit once the container is torn down (runc delete done), so it is released now;
    // the shim process itself only exits after this, and writes nothing more.
    entry.initExit = notice;
    void this.onShimGone(entry);
  }

  /** Journals and publishes an exec's exit, once; only for an exec whose start was reported. */
  execExited(entry: ContainerEntry, pid: string, status: number, exitedAt?: string): void {
    const exec = entry.execs.get(pid);
    if (exec?.status === "creating") exec.earlyExit = { status, ...(exitedAt ? { exitedAt } : {}) };
    if (!exec || exec.status !== "running") return;
    exec.markExited(status);
    if (!this.hasEvent(entry, "start-process", pid) || this.hasEvent(entry, "exit", pid)) return;
    this.report(entry, { type: "exit", id: entry.id, pid, status });
    if (exitedAt) this.metrics.exitPublished(exitedAt);
  }

  /** Emits an event of a container, and marks it reported in the container's state dir (see hasEvent). */
  report(entry: ContainerEntry, event: NewEvent): void {
    this.events.emit(event);
    const marker = entry.layout.reported(event.type, event.pid);
    try {
      // Never recursive: a state dir that is gone (released, or another container's now) must not be recreated.
      if (!existsSync(dirname(marker))) mkdirSync(dirname(marker), { mode: 0o700 });
      writeFileSync(marker, "");
    } catch (err) {
      this.config.logger.warn("mark event reported", { container: entry.id, event: event.type, error: String(err) });
    }
  }

  /**
   * Whether this container (this instance of its id) has already reported the event: a restarted berthd must not
   * report it twice. The marker in its state dir says so whatever the journal has compacted away; the journal
   * covers a berthd that died between journaling an event and writing its marker.
   */
  hasEvent(entry: ContainerEntry, type: "start-container" | "start-process" | "exit" | "oom", pid?: string): boolean {
    if (existsSync(entry.layout.reported(type, pid))) return true;
    if (!entry.restored) return false;
    const since = entry.record.createdAt;
    return this.events.journal.stored().some((e) => e.id === entry.id && e.type === type && e.pid === pid && e.timestamp >= since);
  }

  /**
   * The container is over: its shim reported the init's exit after tearing down, or the shim is gone. Without a
   * notice or a record on disk the shim died, and the container is killed. Then everything of it is released.
   */
  onShimGone(entry: ContainerEntry): Promise<void> {
    return entry.queue.run(async () => {
      if (entry.status === "released" || entry.status === "creating") return;
      const exit = entry.initExit ?? readExitRecord(entry.layout, "init") ?? (await this.reapOrphaned(entry));
      // Every exec exit precedes the init's: those the shim did not get to report come from disk, else 137.
      for (const exec of entry.execs.values()) this.execExited(entry, exec.pid, readExitRecord(entry.layout, exec.pid)?.status ?? 137);
      this.release(entry, exit);
    }).catch((err) => this.config.logger.error("handle exit", { container: entry.id, error: String(err) }));
  }

  /** Frees the container's state dir name at once (a rename), and removes its content in the background. */
  private removeDir(entry: ContainerEntry): void {
    const trash = join(this.layout.trashDir, `${entry.id}.${++this.trashed}`);
    try {
      renameSync(entry.layout.dir, trash);
    } catch {
      rmSync(entry.layout.dir, { recursive: true, force: true });
      return;
    }
    rm(trash, { recursive: true, force: true }).catch((err) => this.config.logger.warn("remove released state", { dir: trash, error: String(err) }));
  }

  /** Journal the exit, free the id, then let subscribers see it: in one synchronous step. */
  private release(entry: ContainerEntry, exit: ExitRecord): void {
    // A container that never reached start-container (berthd died while creating it) leaves no events.
    const report = entry.started && !this.hasEvent(entry, "exit", "init");
    if (report && readOomRecord(entry.layout) && !this.hasEvent(entry, "oom")) this.report(entry, { type: "oom", id: entry.id });
    const event = report ? this.events.record({ type: "exit", id: entry.id, pid: "init", status: exit.status }) : undefined;
    entry.status = "released";
    entry.shim?.close();
    this.removeDir(entry);
    this.containers.delete(entry.id);
    this.recentExits.set(entry.id, exit.status);
    if (this.recentExits.size > RECENT_EXITS) this.recentExits.delete(this.recentExits.keys().next().value!);
    entry.markReleased();
    if (event) {
      this.events.publish(event);
      this.metrics.exitPublished(exit.exitedAt);
    }
    this.config.logger.info("container exited", { container: entry.id, status: exit.status });
  }

  /**
   * The shim died without recording the init's exit. The container must not outlive its shim: kill what is left
   * (runc thaws a paused container first) and remove it from the runtime. 137 if it was still running, 255 if it
   * was gone and nobody saw how. runc's own state check guards against a pid reused by a stranger.
   */
  async reapOrphaned(entry: ContainerEntry): Promise<ExitRecord> {
    const runc = this.runtimeFor(entry);
    const state = await runc.state(entry.id).catch(() => undefined);
    const alive = state !== undefined && state.status !== "stopped";
    this.config.logger.warn("shim gone without an exit record; killing its container", { container: entry.id, running: alive });
    if (alive) {
      // A frozen process does not die: thaw first.
      if (state.status === "paused") await runc.resume(entry.id).catch(() => {});
      await runc.kill(entry.id, 9, { all: true }).catch(() => {});
      // berthd is a subreaper: the init comes to it and its sweep reaps it; then the cgroups can go.
      await untilGone(state.pid, 2000);
    }
    await runc.delete(entry.id, { force: true }).catch((err: Error) => {
      if (!/does not exist/.test(err.message)) this.config.logger.warn("runtime delete after shim death", { container: entry.id, error: err.message });
    });
    return { pid: "init", status: alive ? 137 : 255, exitedAt: nowRfc3339() };
  }
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
