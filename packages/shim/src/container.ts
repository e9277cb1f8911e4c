/**
 * The container as its shim sees it: the init and its execs, and the order their exits are told in. An exec's
 * exit is reported once its output is drained. When the init exits: record an OOM kill if there was one
 * (oom.ts), kill what is left (only needed without a pid namespace of its own), wait until every exec's exit has
 * been reported, drain the init's output, delete the runtime's container, and only then report the init's exit.
 * Exits are written to disk as they happen, so a berthd that was down reads them in the same order (exec records
 * first).
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BerthError, type ExitRecord } from "@berth/protocol";
import { type CreateOptions, readBundleConfigSync, type Runc, type StdioPipes } from "@berth/runtime";
import { type ContainerLayout, type ContainerRecord, type ProcessRecord, readJson } from "@berth/state";
import type { ShimLogger } from "./log.ts";
import { OomWatch } from "./oom.ts";
import { ShimProcess } from "./process.ts";

/** Captured output a container keeps, in multiples of the log size (each process's own share is two). */
export const LOG_BUDGET = 8;

function sizeOf(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

export class ShimContainer {
  readonly init: ShimProcess;
  private readonly execs = new Map<string, ShimProcess>();
  /** The runtime's start while it runs. */
  private starting: Promise<void> = Promise.resolve();
  /** Execs whose output has ended: their logs may go when the container is over its budget. */
  private readonly drained = new Set<string>();
  /** Each exec's "exit reported" promise: the init's exit waits for all of them. */
  private readonly reported: Promise<void>[] = [];
  /** Resolves with the init's exit once the container is torn down. */
  readonly done: Promise<ExitRecord>;
  private oom: OomWatch | undefined;
  /** Aborted when the init has exited. */
  private readonly over = new AbortController();
  /** Read from the bundle once, at start: a bundle removed later must not change the teardown. */
  private readonly sharesPidNamespace: boolean;
  private readonly onOom = () => this.tell("oom", {});

  constructor(
    private readonly record: ContainerRecord,
    private readonly layout: ContainerLayout,
    private readonly runc: Runc,
    private readonly log: ShimLogger,
    /** Tells connected clients: "exit" (an ExitRecord) or "oom". */
    private readonly tell: (event: "exit" | "oom", params: Record<string, unknown>) => void,
  ) {
    this.init = new ShimProcess({
      pid: "init",
      terminal: record.init.terminal,
      paths: record,
      deadline: 0,
      logMaxBytes: record.logMaxBytes,
    }, layout, log);
    this.sharesPidNamespace = sharesPidNamespace(record.bundlePath);
    this.done = this.init.reaped.then(() => this.teardown());
  }

  get processes(): ShimProcess[] {
    return [this.init, ...this.execs.values()];
  }

  process(pid: string): ShimProcess {
    const p = pid === "init" ? this.init : this.execs.get(pid);
    if (!p) throw new BerthError("not_found", `process ${pid} not found in container ${this.record.id}`);
    return p;
  }

  async create(): Promise<{ systemPid: number }> {
    this.init.setDeadline(Date.now() + this.record.startTimeoutMs);
    try {
      const systemPid = await this.init.launch((stdio, consoleSocket) => this.createInRuntime({
        bundle: this.record.bundlePath,
        pidFile: this.layout.pidFile("init"),
        noPivot: this.record.noPivotRoot,
        stdio,
        ...(consoleSocket ? { consoleSocket } : {}),
        timeoutMs: Math.max(this.record.startTimeoutMs, 1),
      }));
      if (this.record.restore) this.init.markRunning();
      this.oom = OomWatch.start(systemPid, this.layout, this.log, this.onOom);
      return { systemPid };
    } catch (err) {
      await this.deleteRuntimeContainer();
      throw err;
    }
  }

  async start(): Promise<void> {
    if (!this.init.isRunning) throw new BerthError("failed_precondition", `cannot start container ${this.record.id}: its init is not created`);
    const starting = this.runc.start(this.record.id);
    this.starting = starting.catch(() => {});
    try {
      await starting;
    } catch (err) {
      if (this.init.isRunning) this.init.signal(9);
      throw err;
    }
    this.init.markRunning();
  }

  /** Runs the exec whose ProcessRecord berthd wrote; answers once it runs. */
  async exec(pid: string): Promise<{ systemPid: number }> {
    if (pid === "init" || this.execs.has(pid)) throw new BerthError("already_exists", `process ${pid} already exists in container ${this.record.id}`);
    if (!this.init.isRunning) throw new BerthError("failed_precondition", `cannot exec in container ${this.record.id}: its init has exited`);
    const request = readJson<ProcessRecord>(this.layout.processRecord(pid));
    if (!request) throw new BerthError("not_found", `no process record for ${pid}`);
    const exec = new ShimProcess({
      pid,
      terminal: request.spec.terminal ?? false,
      paths: request,
      deadline: Date.now() + this.record.startTimeoutMs,
      logMaxBytes: this.record.logMaxBytes,
      abort: this.over.signal,
    }, this.layout, this.log);
    this.execs.set(pid, exec);
    const specPath = this.layout.processSpec(pid);
    writeFileSync(specPath, JSON.stringify(request.spec), { mode: 0o600 });
    let systemPid: number;
    try {
      systemPid = await exec.launch((stdio, consoleSocket) => this.runc.exec(this.record.id, {
        process: specPath,
        pidFile: this.layout.pidFile(pid),
        stdio,
        ...(consoleSocket ? { consoleSocket } : {}),
        timeoutMs: this.record.startTimeoutMs,
      }));
    } catch (err) {
      this.execs.delete(pid);
      throw err;
    }
    exec.markRunning();
    exec.reaped.then(() => this.oom?.check());
    this.reported.push(exec.exited.then(async (exit) => {
      await exec.drained();
      this.drained.add(pid);
      try {
        this.pruneLogs();
      } catch (err) {
        this.log("warn", "prune logs", { error: String(err) });
      }
      this.tell("exit", exit);
    }).catch((err) => this.log("error", "report exec exit", { pid, error: String(err) })));
    return { systemPid };
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
      for (const path of [`${this.layout.log(pid)}.1`, this.layout.log(pid)]) {
        if (total <= budget) return;
        total -= sizeOf(path);
        rmSync(path, { force: true });
      }
    }
  }

  /** `runc create`, or for a container restored from a checkpoint `runc restore --detach`, which also starts it. */
  private createInRuntime(options: CreateOptions): Promise<StdioPipes> {
    const { id, restore } = this.record;
    return restore ? this.runc.restore(id, { ...options, ...restore }) : this.runc.create(id, options);
  }

  /** The runtime's delete runs while the exits are recorded and the output drains: it is most of the wait. */
  private async teardown(): Promise<ExitRecord> {
    this.over.abort(); // an exec still waiting for its FIFOs will not start now
    this.oom?.close();
    if (this.sharesPidNamespace) await this.runc.kill(this.record.id, 9, { all: true }).catch(() => {});
    // An init that exits at once can do so while `runc start` is still finishing: never delete under it.
    await this.starting;
    const deleted = this.deleteRuntimeContainer();
    await Promise.all(this.reported);
    await this.init.drained().catch((err) => this.log("error", "drain the init's output", { error: String(err) }));
    await deleted;
    return this.init.exited;
  }

  private async deleteRuntimeContainer(): Promise<void> {
    await this.runc.delete(this.record.id, { force: true }).catch((err: Error) => {
      if (!/does not exist/.test(err.message)) this.log("warn", "runc delete", { error: err.message });
    });
  }

}

/** Without a pid namespace of its own, the init's death does not take the container's other processes with it. */
function sharesPidNamespace(bundlePath: string): boolean {
  const spec = readBundleConfigSync<{ linux?: { namespaces?: { type: string; path?: string }[] } }>(bundlePath);
  const pidNs = spec?.linux?.namespaces?.find((ns) => ns.type === "pid");
  return !pidNs || Boolean(pidNs.path);
}
