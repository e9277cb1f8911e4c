/**
 * The supervisor: the registry of containers and the operations on them. Work on one container runs on its
 * serial queue; nothing is held across containers, and no lock spans a wait on a shim, a runtime or the disk
 * beyond that container's own queue. The create path is: reserve the id, write the record, start the shim,
 * create, then start (so berthd is already listening for the exit), emit start-container, answer.
 * An init exit is journaled, then the container is released (state dir removed, id free), then published.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import {
  BerthError, type Container, type CreateContainer, type ExitRecord, nowRfc3339, parseSignal, type State, wrapError,
} from "@berth/protocol";
import { Runc } from "@berth/runtime";
import { type ContainerRecord, readExitRecord, StateLayout, writeContainerRecord } from "@berth/state";
import { isSameProcess, processStartTime } from "@berth/sys";
import { procsFileOf } from "./cgroups.ts";
import { ContainerEntry, readInitSpec } from "./container.ts";
import { EventBroker } from "./events.ts";
import { Journal } from "./journal.ts";
import type { Logger } from "./logger.ts";
import { machineInfo } from "./machine.ts";
import { Processes } from "./processes.ts";
import { type ExitNotice, startShim } from "./shim-client.ts";

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
  logger: Logger;
}

export class Supervisor {
  readonly layout: StateLayout;
  readonly events: EventBroker;
  private readonly containers = new Map<string, ContainerEntry>();
  /** Init exit statuses of recently released containers, for a wait that comes just after the exit. */
  readonly recentExits = new Map<string, number>();
  readonly processes = new Processes(this);

  constructor(readonly config: SupervisorConfig) {
    this.layout = new StateLayout(config.stateDir);
    mkdirSync(config.stateDir, { recursive: true, mode: 0o711 });
    mkdirSync(this.layout.containersDir, { recursive: true, mode: 0o700 });
    const journal = new Journal(this.layout.journal, config.retainCount);
    if (journal.skippedLines > 0) config.logger.warn("skipped unreadable journal lines", { count: journal.skippedLines });
    this.events = new EventBroker(journal);
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
    const init = this.checkBundle(request.bundlePath);
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
    };
    const entry = new ContainerEntry(record, this.layout.container(id), init);
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
    return new Runc({
      binary: entry.record.runtime,
      globalArgs: entry.record.runtimeArgs,
      logDir: entry.layout.runcLogDir,
      timeoutMs: this.config.startTimeoutMs,
    });
  }

  private checkBundle(bundlePath: string) {
    let isDir = false;
    try {
      isDir = statSync(bundlePath).isDirectory();
    } catch {}
    if (!isDir) throw new BerthError("invalid_argument", `bundle ${bundlePath} does not exist`);
    const init = readInitSpec(bundlePath);
    if (!init) throw new BerthError("invalid_argument", `bundle ${bundlePath} has no readable config.json with a process`);
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
      entry.shim = await startShim(this.config.shimCommand, entry.layout, timeout, (notice) => this.onExit(entry, notice));
      const { systemPid } = await entry.shim.call("create");
      entry.systemPid = systemPid;
      entry.initStartTime = processStartTime(systemPid) ?? "";
      entry.procsFile = procsFileOf(systemPid);
      await entry.shim.call("start");
    } catch (err) {
      await this.discard(entry);
      throw wrapError(`create container ${id}`, err);
    }
    entry.status = "running";
    this.events.emit({ type: "start-container", id });
    entry.shim.gone.then(() => this.onShimGone(entry));
    this.config.logger.info("container started", { container: id, pid: entry.systemPid });
    return entry.toApi();
  }

  /** Undoes a failed create: the shim goes (it has already deleted the runtime container), then the state dir. */
  private async discard(entry: ContainerEntry): Promise<void> {
    const shim = entry.shim;
    if (shim) {
      await shim.call("shutdown").catch(() => {});
      await shim.gone;
    }
    entry.status = "released";
    rmSync(entry.layout.dir, { recursive: true, force: true });
    this.containers.delete(entry.id);
    entry.markReleased();
  }

  /** The shim reports an exit once it is on disk; for the init, the shim then tears down and exits. */
  private onExit(entry: ContainerEntry, notice: ExitNotice): void {
    if (notice.pid === "init") entry.initExit = notice;
    else entry.queue.run(() => this.execExited(entry, notice.pid, notice.status));
  }

  /** Journals and publishes an exec's exit, once. */
  private execExited(entry: ContainerEntry, pid: string, status: number): void {
    const exec = entry.execs.get(pid);
    if (!exec || exec.status !== "running") return;
    exec.markExited(status);
    this.events.emit({ type: "exit", id: entry.id, pid, status });
  }

  /**
   * The shim has exited: after a normal teardown its init exit is known (notice or record); otherwise it died,
   * and the container is killed. Only now is everything of the container released.
   */
  private onShimGone(entry: ContainerEntry): void {
    entry.queue.run(async () => {
      if (entry.status === "released" || entry.status === "creating") return;
      const exit = entry.initExit ?? readExitRecord(entry.layout, "init") ?? (await this.reapOrphaned(entry));
      // Every exec exit precedes the init's: those the shim did not get to report come from disk, else 137.
      for (const exec of entry.execs.values()) this.execExited(entry, exec.pid, readExitRecord(entry.layout, exec.pid)?.status ?? 137);
      this.release(entry, exit);
    }).catch((err) => this.config.logger.error("handle exit", { container: entry.id, error: String(err) }));
  }

  /** Journal the exit, free the id, then let subscribers see it: in one synchronous step. */
  private release(entry: ContainerEntry, exit: ExitRecord): void {
    const event = this.events.record({ type: "exit", id: entry.id, pid: "init", status: exit.status });
    entry.status = "released";
    entry.shim?.close();
    rmSync(entry.layout.dir, { recursive: true, force: true });
    this.containers.delete(entry.id);
    this.recentExits.set(entry.id, exit.status);
    if (this.recentExits.size > RECENT_EXITS) this.recentExits.delete(this.recentExits.keys().next().value!);
    entry.markReleased();
    this.events.publish(event);
    this.config.logger.info("container exited", { container: entry.id, status: exit.status });
  }

  /**
   * The shim died without recording the init's exit. The container must not outlive its shim: kill what is left
   * and remove it from the runtime. 137 if its init was still running, 255 if it is gone and nobody saw how.
   */
  private async reapOrphaned(entry: ContainerEntry): Promise<ExitRecord> {
    const alive = isSameProcess(entry.systemPid, entry.initStartTime);
    this.config.logger.warn("shim died; killing its container", { container: entry.id, initRunning: alive });
    await this.runtimeFor(entry).delete(entry.id, { force: true }).catch((err: Error) => {
      this.config.logger.warn("runc delete after shim death", { container: entry.id, error: err.message });
    });
    return { pid: "init", status: alive ? 137 : 255, exitedAt: nowRfc3339() };
  }
}
