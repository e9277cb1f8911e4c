/**
 * The container's init process as the shim drives it: new → created → running → exited. Each operation checks
 * the state and refuses with a sentence naming both; an exit is accepted in every state and never throws.
 * The exit path runs in conmon-rs's order: reap, write the exit record durably, then tear down (kill the rest,
 * release stdio, runc delete), and only then tell anyone.
 */
import { readFileSync } from "node:fs";
import { BerthError, type ExitRecord, nowRfc3339, type ShimProcessState } from "@berth/protocol";
import type { Runc } from "@berth/runtime";
import { type ContainerLayout, type ContainerRecord, readJson, writeExitRecord } from "@berth/state";
import { closeFd, pidfdOpen, pidfdSendSignal } from "@berth/sys";
import { pump, RotatingLog } from "./capture.ts";
import type { ShimLogger } from "./log.ts";
import { waitFor } from "./reaper.ts";
import { ProcessIo } from "./stdio.ts";

type InitState = "new" | "creating" | "created" | "running" | "exited";

export class InitProcess {
  private state: InitState = "new";
  private systemPid = 0;
  private pidfd: number | undefined;
  private io: ProcessIo | undefined;
  private output: Promise<void> = Promise.resolve();
  private exitStatus: number | undefined;
  /** Resolves with the exit record once the container is torn down. */
  readonly done: Promise<ExitRecord>;
  private finish!: (record: ExitRecord) => void;

  constructor(
    private readonly record: ContainerRecord,
    private readonly layout: ContainerLayout,
    private readonly runc: Runc,
    private readonly log: ShimLogger,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  async create(): Promise<{ systemPid: number }> {
    if (this.state !== "new") throw new BerthError("failed_precondition", `cannot create a container that is ${this.state}`);
    this.state = "creating";
    const deadline = Date.now() + this.record.startTimeoutMs;
    try {
      this.io = await ProcessIo.open(this.record, deadline);
      const pipes = await this.runc.create(this.record.id, {
        bundle: this.record.bundlePath,
        pidFile: this.layout.pidFile("init"),
        noPivot: this.record.noPivotRoot,
        stdio: this.io.stdio,
        timeoutMs: Math.max(deadline - Date.now(), 1),
      });
      this.io.handedToRuntime();
      this.systemPid = Number(readFileSync(this.layout.pidFile("init"), "utf8"));
      this.pidfd = pidfdOpen(this.systemPid);
      const streams = [pipes.stdout, pipes.stderr].filter((s): s is ReadableStream<Uint8Array> => s !== undefined);
      if (streams.length > 0) this.output = pump(streams, new RotatingLog(this.layout.log("init"), this.record.logMaxBytes));
    } catch (err) {
      this.state = "new";
      await this.discard();
      throw err;
    }
    this.state = "created";
    // Subscribed before start, so an instant exit cannot be missed.
    waitFor(this.systemPid).then((status) => this.exited(status));
    return { systemPid: this.systemPid };
  }

  async start(): Promise<void> {
    if (this.state !== "created") throw new BerthError("failed_precondition", `cannot start a container that is ${this.state}`);
    try {
      await this.runc.start(this.record.id);
    } catch (err) {
      // runc start can fail after the process already exited; only a live init is still "created".
      if (this.state === "created") this.signal(9);
      throw err;
    }
    if (this.state === "created") this.state = "running";
  }

  signal(signal: number): void {
    if (this.state !== "created" && this.state !== "running") {
      throw new BerthError("failed_precondition", `cannot signal a process that is ${this.state}`);
    }
    pidfdSendSignal(this.pidfd!, signal);
  }

  snapshot(): ShimProcessState {
    const status = this.state === "exited" ? "exited" : this.state === "running" ? "running" : "created";
    return { pid: "init", systemPid: this.systemPid, status, ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus }) };
  }

  private async exited(status: number): Promise<void> {
    this.state = "exited";
    this.exitStatus = status;
    const record: ExitRecord = { pid: "init", status, exitedAt: nowRfc3339() };
    try {
      writeExitRecord(this.layout, record);
    } catch (err) {
      this.log("error", "write exit record", { error: String(err) });
    }
    this.log("info", "init exited", { status });
    if (this.pidfd !== undefined) closeFd(this.pidfd);
    this.pidfd = undefined;
    if (this.sharesPidNamespace()) await this.runc.kill(this.record.id, 9, { all: true }).catch(() => {});
    await this.output;
    await this.discard();
    this.finish(record);
  }

  /** Releases stdio and the runtime's container; tolerant of either being gone already. */
  private async discard(): Promise<void> {
    this.io?.release();
    this.io = undefined;
    await this.runc.delete(this.record.id, { force: true }).catch((err: Error) => {
      if (!/does not exist/.test(err.message)) this.log("warn", "runc delete", { error: err.message });
    });
  }

  /** Without its own pid namespace, the init's death does not take the container's other processes with it. */
  private sharesPidNamespace(): boolean {
    const spec = readJson<{ linux?: { namespaces?: { type: string; path?: string }[] } }>(`${this.record.bundlePath}/config.json`);
    const pidNs = spec?.linux?.namespaces?.find((ns) => ns.type === "pid");
    return !pidNs || Boolean(pidNs.path);
  }
}
