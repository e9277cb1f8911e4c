/**
 * One container process (the init or an exec) as the shim drives it: new → created → running → exited.
 * launch() opens its stdio, runs the runtime (create or exec), takes its pid and a pidfd, starts reading its
 * output and subscribes to its exit before anything can start it. On exit the record is written durably first;
 * `drained` then waits for its output to end and releases its stdio. Refusals name the state; an exit is
 * accepted in every state and never throws. A terminal's console socket lives in a temp dir of its own (runc
 * resolves the path from the bundle, and a state dir path may be too long for a socket), removed once used.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BerthError, type ExitRecord, nowRfc3339, type ShimProcessState } from "@berth/protocol";
import type { StdioPipes } from "@berth/runtime";
import { type ContainerLayout, writeExitRecord } from "@berth/state";
import { closeFd, ConsoleSocket, pidfdOpen, pidfdSendSignal, setBlocking, setWindowSize, waitFor } from "@berth/sys";
import type { ShimLogger } from "./log.ts";
import { fdSink, logSink, Output, type OutputListener, type OutputSink, writeAll } from "./output.ts";
import { ProcessIo, type Stdio, type StdioPaths } from "./stdio.ts";

type State = "new" | "created" | "running" | "exited";

/** Runs the runtime for this process with the given stdio (and console socket path, for a terminal). */
export type Launcher = (stdio: [Stdio, Stdio, Stdio], consoleSocket: string | undefined) => Promise<StdioPipes>;

export interface ProcessOptions {
  pid: string;
  terminal: boolean;
  paths: StdioPaths;
  /** Bound for FIFO opens, the runtime call and the pty handover. */
  deadline: number;
  logMaxBytes: number;
  /** Fires when the container is over: stop waiting for client FIFOs. */
  abort?: AbortSignal;
}

export class ShimProcess {
  private state: State = "new";
  systemPid = 0;
  private exitStatus: number | undefined;
  private pidfd: number | undefined;
  private io: ProcessIo | undefined;
  private master: number | undefined;
  private output: Output | undefined;
  /** Resolves once the exit is on disk. */
  /** Resolves once the process has been reaped, before its record is on disk: teardown can start. */
  readonly reaped: Promise<ExitRecord>;
  private resolveReaped!: (record: ExitRecord) => void;
  /** Resolves once the exit is on disk: nobody is told before. */
  readonly exited: Promise<ExitRecord>;
  private resolveExited!: (record: ExitRecord) => void;

  constructor(private readonly options: ProcessOptions, private readonly layout: ContainerLayout, private readonly log: ShimLogger) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.reaped = new Promise((resolve) => (this.resolveReaped = resolve));
  }

  get pid(): string {
    return this.options.pid;
  }

  /** The init's bound starts when berthd asks for the create, not when the shim starts. */
  setDeadline(deadline: number): void {
    this.options.deadline = deadline;
  }

  get isRunning(): boolean {
    return this.state === "created" || this.state === "running";
  }

  async launch(run: Launcher): Promise<number> {
    if (this.state !== "new") throw new BerthError("failed_precondition", `cannot launch process ${this.pid}: it is ${this.state}`);
    const { terminal, paths, deadline, pid } = this.options;
    let console: ConsoleSocket | undefined;
    try {
      this.io = await ProcessIo.open(paths, deadline, terminal, this.options.abort);
      if (terminal) console = ConsoleSocket.listen(join(mkdtempSync(join(tmpdir(), "berth-pty-")), "pty.sock"));
      const pipes = await run(this.io.stdio, console?.path);
      this.io.handedToRuntime();
      this.systemPid = Number(readFileSync(this.layout.pidFile(pid), "utf8"));
      this.pidfd = pidfdOpen(this.systemPid);
      this.state = "created";
      // Subscribed before anything can start the process, so an instant exit cannot be missed.
      waitFor(this.systemPid).then((status) => this.onExit(status));
      this.output = console ? await this.terminalOutput(console) : this.pipeOutput(pipes);
    } catch (err) {
      this.io?.release();
      if (this.state === "created") this.signal(9);
      throw err;
    } finally {
      console?.close();
      if (console) rmSync(dirname(console.path), { recursive: true, force: true });
    }
    return this.systemPid;
  }

  markRunning(): void {
    if (this.state === "created") this.state = "running";
  }

  signal(signal: number): void {
    if (!this.isRunning) throw new BerthError("failed_precondition", `cannot signal process ${this.pid}: it is ${this.state}`);
    pidfdSendSignal(this.pidfd!, signal);
  }

  closeStdin(): void {
    this.io?.closeStdin();
  }

  resize(width: number, height: number): void {
    if (this.master === undefined) throw new BerthError("failed_precondition", `process ${this.pid} has no terminal to resize`);
    setWindowSize(this.master, height, width);
  }

  /** Streams output from now on to `listener`. */
  attach(listener: OutputListener): () => void {
    if (!this.output?.observable) {
      throw new BerthError("failed_precondition", `process ${this.pid} writes to the client's own stdout: attach to that instead`);
    }
    return this.output.attach(listener);
  }

  /** Feeds attach input to the process: its terminal, or the shim's end of the client's stdin FIFO. */
  async write(data: Uint8Array): Promise<void> {
    const fd = this.master ?? this.io?.stdinWriter;
    if (fd === undefined || !this.isRunning) throw new BerthError("failed_precondition", `process ${this.pid} has no stdin the shim can write to`);
    await writeAll(fd, data);
  }

  snapshot(): ShimProcessState {
    const status = this.state === "exited" ? "exited" : this.state === "running" ? "running" : "created";
    return { pid: this.pid, systemPid: this.systemPid, status, ...(this.exitStatus === undefined ? {} : { exitStatus: this.exitStatus }) };
  }

  /** Resolves once the process's output has ended and its stdio is released (after its exit). */
  async drained(): Promise<void> {
    await this.exited;
    await this.output?.done;
    this.io?.release();
    if (this.master !== undefined) closeFd(this.master);
    this.master = undefined;
  }

  private onExit(status: number): void {
    this.state = "exited";
    this.exitStatus = status;
    const record: ExitRecord = { pid: this.pid, status, exitedAt: nowRfc3339() };
    if (this.pidfd !== undefined) closeFd(this.pidfd);
    this.pidfd = undefined;
    this.resolveReaped(record);
    // Written on the next turn, so the runtime's cleanup (started on `reaped`) runs meanwhile.
    setImmediate(() => {
      try {
        writeExitRecord(this.layout, record);
      } catch (err) {
        this.log("error", "write exit record", { pid: this.pid, error: String(err) });
      }
      this.log("info", "process exited", { pid: this.pid, status });
      this.resolveExited(record);
    });
  }

  private readonly sinkError = (err: unknown) => this.log("error", "output lost: cannot write it", { pid: this.pid, error: String(err) });

  private pipeOutput(pipes: StdioPipes): Output {
    const sources = [pipes.stdout, pipes.stderr].filter((s): s is ReadableStream<Uint8Array> => s !== undefined);
    return new Output(sources, sources.length > 0 ? logSink(this.layout.log(this.pid), this.options.logMaxBytes) : undefined, this.sinkError);
  }

  /** Takes the pty master from the console socket, then copies client stdin to it and its output out. */
  private async terminalOutput(console: ConsoleSocket): Promise<Output> {
    for (let delay = 1; (this.master = console.tryReceive()) === undefined; delay = Math.min(delay * 2, 20)) {
      if (Date.now() >= this.options.deadline) throw new BerthError("timeout", `no terminal from the runtime for process ${this.pid}`);
      await Bun.sleep(delay);
    }
    const master = this.master;
    const stdin = this.io!.terminalIn;
    if (stdin !== undefined) {
      (async () => {
        for await (const chunk of Bun.file(stdin).stream()) await this.write(chunk).catch(() => {});
      })().catch(() => {});
    }
    const out = this.io!.terminalOut;
    if (out !== undefined) setBlocking(out, false);
    const sink: OutputSink = out !== undefined ? fdSink(out, this.sinkError) : logSink(this.layout.log(this.pid), this.options.logMaxBytes);
    setBlocking(master, false);
    return new Output([Bun.file(master).stream()], sink, this.sinkError);
  }
}
