/**
 * The container as its shim sees it: the init and its execs (each a Lifecycle over a ShimProcess), the change
 * log that records and numbers every event of the container, and the exit path. Every runtime call for the live
 * container is made here, by the work the state objects run (states.ts).
 *
 * The exit path (conmon-rs's order, record then tell): the init is reaped → it is `stopped` at once → an OOM
 * kill is recorded if there was one → what is left is killed (only without a pid namespace of its own) → every
 * exec's exit is recorded (each once its output has ended) → the init's exit is recorded durably, which tells
 * berthd (kill(2) → event ends here) → the init's output drains → `runtime delete` (retried) → `deleted` →
 * the shim tells berthd and exits (main.ts). On a full disk the exit stays queued in the change log and is
 * retried; the shim never exits before it is written.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BerthError, type Change, type Logger, type ShimProcessState } from "@berth/protocol";
import { type CreateOptions, isNotFound, linuxResources, readBundleConfigSync, type Runc, type StdioPipes } from "@berth/runtime";
import { ChangeLog, type ContainerLayout, type ContainerRecord, exitOf, logTimesPath, type ProcessRecord, readJson, rotatedLog } from "@berth/state";
import { Lifecycle } from "./lifecycle.ts";
import { OomWatch } from "./oom.ts";
import { ShimProcess } from "./process.ts";
import { execStates, initStates, type ProcessWork } from "./states.ts";

/** Captured output a container keeps, in multiples of the log size (each process's own share is two). */
export const LOG_BUDGET = 8;
/** Waits between tries of the runtime's delete after the init's exit (ms); berthd tries again later. */
const DELETE_RETRY_MS = [100, 500, 2000];

function sizeOf(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

interface Member {
  lifecycle: Lifecycle;
  process: ShimProcess;
}

export class ShimContainer {
  readonly init: Member;
  private readonly execs = new Map<string, Member>();
  readonly changes: ChangeLog;
  /** Execs whose output has ended: their logs may go when the container is over its budget. */
  private readonly drained = new Set<string>();
  /** Each exec's "exit recorded" promise: the init's exit is recorded after all of them. */
  private readonly execExits: Promise<void>[] = [];
  /**
   * Resolves once the shim's work is over: after the init's exit, the container deleted from the runtime (or the
   * delete given up); or at once for a container deleted before it ever ran.
   */
  readonly done: Promise<{ deleted: boolean }>;
  private finish!: (outcome: { deleted: boolean }) => void;
  private oom: OomWatch | undefined;
  private oomRecorded = false;
  /** An OOM kill came before the start was recorded: it is recorded right after the start. */
  private oomSeen = false;
  /** The start-container change is appended: an `oom` may follow it. */
  private startRecorded = false;
  /** The first change of this shim's life of the container: a restarted container's log holds its earlier lives. */
  private readonly firstChange: number;
  /** Aborted when the init has exited: an exec still waiting for its FIFOs will not start. */
  private readonly over = new AbortController();
  /** Read from the bundle once, at start: a bundle removed later must not change the teardown. */
  private readonly sharesPidNamespace: boolean;
  private readonly cgroupsPath: string | undefined;

  /**
   * @param tell sends a notification to every connected berthd: `change` for each change once it is durable
   */
  constructor(
    private readonly record: ContainerRecord,
    private readonly layout: ContainerLayout,
    private readonly runc: Runc,
    private readonly log: Logger,
    tell: (event: "change", params: Change) => void,
  ) {
    this.changes = new ChangeLog(layout.changes, (change) => tell("change", change));
    this.firstChange = this.changes.last + 1;
    const process = new ShimProcess({
      pid: "init",
      terminal: record.init.terminal,
      paths: record,
      deadline: 0,
      logMaxBytes: record.logMaxBytes,
    }, layout, log);
    this.init = { process, lifecycle: new Lifecycle("init", `container ${record.id}`, initStates, this.initWork(process), log) };
    const spec = readBundleConfigSync<BundleLinux>(record.bundlePath);
    this.sharesPidNamespace = sharesPidNamespace(spec);
    this.cgroupsPath = spec?.linux?.cgroupsPath;
    this.done = new Promise((resolve) => (this.finish = resolve));
    process.reaped.then(async (status) => {
      await this.init.lifecycle.exited();
      this.finish(await this.onInitExit(status));
    });
  }

  get members(): Member[] {
    return [this.init, ...this.execs.values()];
  }

  /** The process `pid` ("init" or an exec id), or not_found. */
  member(pid: string): Member {
    const m = pid === "init" ? this.init : this.execs.get(pid);
    if (!m) throw new BerthError("not_found", `process ${pid} not found in container ${this.record.id}`);
    return m;
  }

  snapshot(): ShimProcessState[] {
    return this.members.map(({ lifecycle, process }) => ({
      pid: lifecycle.pid,
      systemPid: process.systemPid,
      state: lifecycle.state,
      ...(this.exitOf(lifecycle.pid) === undefined ? {} : { exitStatus: this.exitOf(lifecycle.pid) }),
    }));
  }

  /**
   * The init's start: `runc run --detach` (or `runc restore --detach` for a checkpoint) creates the container and
   * runs its init in one runtime process, then the OOM watch starts. The init runs before the start is recorded;
   * its exit waits for the start (Lifecycle), so it always comes after the start-container change.
   */
  private async run(process: ShimProcess): Promise<void> {
    process.setDeadline(Date.now() + this.record.startTimeoutMs);
    const oomBefore = OomWatch.countBefore(this.cgroupsPath, this.record.id);
    try {
      const systemPid = await process.launch((stdio, consoleSocket) => this.runInRuntime({
        bundle: this.record.bundlePath,
        pidFile: this.layout.pidFile("init"),
        noPivot: this.record.noPivotRoot,
        stdio,
        ...(consoleSocket ? { consoleSocket } : {}),
        timeoutMs: Math.max(this.record.startTimeoutMs, 1),
      }));
      this.oom = OomWatch.start(systemPid, this.log, () => this.recordOom(), oomBefore);
    } catch (err) {
      await this.runc.delete(this.record.id, { force: true }).catch((e: Error) => {
        if (!isNotFound(e)) this.log.warn("runc delete after a failed run", { error: e.message });
      });
      throw err;
    }
  }

  /** The init's work: the runtime calls the state objects decide on, each recorded as a change. */
  private initWork(process: ShimProcess): ProcessWork {
    const { id } = this.record;
    const runc = this.runc;
    const recorded = async (type: Change["type"]) => {
      const pending = this.changes.append(type, "init", type === "start-container" ? { systemPid: process.systemPid } : {});
      await pending.firstAttempt;
      return pending.change.change;
    };
    return {
      start: async () => {
        await this.run(process);
        const change = recorded("start-container");
        // What the shim holds once its container runs (BENCHMARKS.md reads it): RSS and Bun's heap, in bytes.
        const memory = globalThis.process.memoryUsage();
        this.log.info("init running", {
          systemPid: process.systemPid, rssBytes: memory.rss, heapBytes: memory.heapUsed, heapCapacityBytes: memory.heapTotal, externalBytes: memory.external,
        });
        // An OOM kill seen while the start was still running comes right after the start: never before it.
        this.startRecorded = true;
        if (this.oomSeen) this.recordOom();
        return change;
      },
      signal: async (signal) => process.signal(signal),
      exec: (pid) => this.exec(pid),
      pause: async () => (await runc.pause(id), recorded("pause")),
      resume: async () => (await runc.resume(id), recorded("resume")),
      thaw: () => runc.resume(id),
      update: async (resources) => (await runc.update(id, linuxResources(resources)), recorded("update")),
      checkpoint: async (options) => (await runc.checkpoint(id, options), recorded("checkpoint")),
      resize: (width, height) => process.resize(width, height),
      closeStdin: () => process.closeStdin(),
      delete: async () => {
        await this.deleteFromRuntime();
        // Deleted before it ever ran: no exit is coming (with a process, the reaper finishes).
        if (process.systemPid === 0) this.finish({ deleted: true });
      },
    };
  }

  /** Runs the exec whose ProcessRecord berthd wrote; answers once it runs, with its start-process change. */
  private async exec(pid: string): Promise<{ systemPid: number; change: number }> {
    if (pid === "init" || this.execs.has(pid)) throw new BerthError("already_exists", `process ${pid} already exists in container ${this.record.id}`);
    const request = readJson<ProcessRecord>(this.layout.processRecord(pid));
    if (!request) throw new BerthError("not_found", `no process record for ${pid}`);
    const process = new ShimProcess({
      pid,
      terminal: request.spec.terminal ?? false,
      paths: request,
      deadline: Date.now() + this.record.startTimeoutMs,
      logMaxBytes: this.record.logMaxBytes,
      abort: this.over.signal,
    }, this.layout, this.log);
    const lifecycle = new Lifecycle(pid, `process ${pid} of container ${this.record.id}`, execStates, {
      start: async () => {
        const pending = this.changes.append("start-process", pid, { systemPid: process.systemPid });
        await pending.firstAttempt;
        return pending.change.change;
      },
      signal: async (signal) => process.signal(signal),
      resize: (width, height) => process.resize(width, height),
      closeStdin: () => process.closeStdin(),
      delete: () => process.drained(),
      exec: refusedForExec, pause: refusedForExec, resume: refusedForExec, thaw: refusedForExec, update: refusedForExec, checkpoint: refusedForExec,
    }, this.log);
    this.execs.set(pid, { lifecycle, process });
    const specPath = this.layout.processSpec(pid);
    let systemPid: number;
    try {
      writeFileSync(specPath, JSON.stringify(request.spec), { mode: 0o600 });
      systemPid = await process.launch((stdio, consoleSocket) => this.runc.exec(this.record.id, {
        process: specPath,
        pidFile: this.layout.pidFile(pid),
        stdio,
        ...(consoleSocket ? { consoleSocket } : {}),
        timeoutMs: this.record.startTimeoutMs,
      }));
    } catch (err) {
      this.execs.delete(pid);
      rmSync(specPath, { force: true });
      throw err;
    }
    const started = lifecycle.start();
    this.execExits.push(process.reaped.then(async (status) => {
      this.oom?.check();
      await lifecycle.exited();
      await process.drained();
      this.drained.add(pid);
      try {
        this.pruneLogs();
      } catch (err) {
        this.log.warn("prune logs", { error: String(err) });
      }
      await this.changes.append("exit", pid, { status }).written;
      await lifecycle.delete();
    }).catch((err) => this.log.error("record exec exit", { pid, error: String(err) })));
    // Fails (unavailable) when the start cannot be recorded yet: the exec runs, and its events follow later.
    return { systemPid, change: await started };
  }

  /** One `oom` change per container, after its start and before the init's exit. */
  private recordOom(): void {
    if (this.oomRecorded || this.ownChanges().some((c) => c.type === "exit" && c.pid === "init")) return;
    if (!this.startRecorded) {
      this.oomSeen = true;
      return;
    }
    this.oomRecorded = true;
    this.changes.append("oom", "init");
  }

  /** The changes this shim recorded (not those of earlier lives of a restarted container). */
  private ownChanges(): readonly Change[] {
    return this.changes.all.filter((c) => c.change >= this.firstChange);
  }

  private exitOf(pid: string): number | undefined {
    return exitOf(this.ownChanges(), pid);
  }


  /**
   * Keeps the container's captured output within LOG_BUDGET × the log size: each process holds at most two
   * files, and beyond the budget the logs of exited execs go, oldest first.
   */
  private pruneLogs(): void {
    const dir = this.layout.logsDir;
    const budget = LOG_BUDGET * this.record.logMaxBytes;
    if (!existsSync(dir)) return;
    let total = readdirSync(dir).reduce((sum, name) => sum + sizeOf(join(dir, name)), 0);
    // Oldest first, in the order the execs ended (file times are too coarse to order them), older file first.
    for (const pid of this.drained) {
      const log = this.layout.log(pid);
      for (const path of [rotatedLog(log), rotatedLog(logTimesPath(log)), log, logTimesPath(log)]) {
        if (total <= budget) return;
        total -= sizeOf(path);
        rmSync(path, { force: true });
      }
    }
  }

  /** `runc run --detach`, or for a container restored from a checkpoint `runc restore --detach`. */
  private runInRuntime(options: CreateOptions): Promise<StdioPipes> {
    const { id, restore } = this.record;
    return restore ? this.runc.restore(id, { ...options, ...restore }) : this.runc.run(id, options);
  }

  private async onInitExit(status: number): Promise<{ deleted: boolean }> {
    this.over.abort();
    // Never started (deleted while created, or its start failed): nobody was told it ran, so it has no exit.
    if (!this.ownChanges().some((c) => c.type === "start-container")) {
      await this.init.lifecycle.delete().catch(() => {});
      return { deleted: true };
    }
    this.oom?.close();
    if (this.sharesPidNamespace) {
      await this.runc.kill(this.record.id, 9, { all: true }).catch((err: Error) => {
        if (!isNotFound(err)) this.log.warn("kill what is left of the container", { error: err.message });
      });
    }
    await Promise.all(this.execExits);
    await this.init.lifecycle.idle();
    await this.changes.append("exit", "init", { status }).written;
    await this.init.process.drained().catch((err) => this.log.error("drain the init's output", { error: String(err) }));
    try {
      await this.init.lifecycle.delete();
      return { deleted: true };
    } catch (err) {
      this.log.error("runtime delete failed; berthd will try again", { error: (err as Error).message });
      return { deleted: false };
    }
  }

  /** `runtime delete --force`, tried again with a back-off; a container the runtime no longer has is deleted. */
  private async deleteFromRuntime(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.runc.delete(this.record.id, { force: true });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        this.log.warn("runtime delete failed", { attempt: attempt + 1, error: (err as Error).message });
        if (attempt >= DELETE_RETRY_MS.length) throw err;
        await Bun.sleep(DELETE_RETRY_MS[attempt]!);
      }
    }
  }
}

function refusedForExec(): never {
  throw new BerthError("failed_precondition", "an exec cannot do that: it acts on the container");
}

/** What the shim reads of the bundle's config.json. */
type BundleLinux = { linux?: { namespaces?: { type: string; path?: string }[]; cgroupsPath?: string } };

/** Without a pid namespace of its own, the init's death does not take the container's other processes with it. */
function sharesPidNamespace(spec: BundleLinux | undefined): boolean {
  const pidNs = spec?.linux?.namespaces?.find((ns) => ns.type === "pid");
  return !pidNs || Boolean(pidNs.path);
}
