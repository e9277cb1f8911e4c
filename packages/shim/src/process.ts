/**
 * The OS side of one container process (the init or an exec): its stdio, pid, pidfd, terminal and output.
 * launch() opens its stdio, runs the runtime (create or exec), takes its pid and a pidfd, starts reading its
 * output and subscribes to its exit before anything can start it; `reaped` then resolves with the exit status.
 * `drained` waits for its output to end and releases its stdio. Whether an operation is legal is not decided
 * here: the state objects (states.ts) decide and call these. A terminal's console socket lives in a temp dir
 * of its own (runc resolves the path from the bundle, and a state dir path may be too long for a socket),
 * removed once used.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BerthError, type Logger } from "@berth/protocol";
import type { StdioPipes } from "@berth/runtime";
import type { ContainerLayout } from "@berth/state";
import { closeFd, ConsoleSocket, pidfdOpen, pidfdSendSignal, setBlocking, setWindowSize, waitFor } from "@berth/sys";
import { fdSink, logSink, Output, type OutputListener, type OutputSink, writeAll } from "./output.ts";
import { ProcessIo, type Stdio, type StdioPaths } from "./stdio.ts";

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
  systemPid = 0;
  private launched = false;
  private pidfd: number | undefined;
  private io: ProcessIo | undefined;
  private master: number | undefined;
  private output: Output | undefined;
  /** Resolves with the exit status (128+N for signal N) once the process has been reaped. */
  readonly reaped: Promise<number>;
  private resolveReaped!: (status: number) => void;

  constructor(private readonly options: ProcessOptions, private readonly layout: ContainerLayout, private readonly log: Logger) {
    this.reaped = new Promise((resolve) => (this.resolveReaped = resolve));
  }

  get pid(): string {
    return this.options.pid;
  }

  /** The init's bound starts when berthd asks for the create, not when the shim starts. */
  setDeadline(deadline: number): void {
    this.options.deadline = deadline;
  }

  /** Runs the process through `run`; answers its host pid once it exists. Fails with the runtime's error. */
  async launch(run: Launcher): Promise<number> {
    if (this.launched) throw new BerthError("failed_precondition", `process ${this.pid} is already launched`);
    this.launched = true;
    const { terminal, paths, deadline, pid } = this.options;
    let console: ConsoleSocket | undefined;
    try {
      this.io = await ProcessIo.open(paths, deadline, terminal, this.options.abort);
      if (terminal) console = ConsoleSocket.listen(join(mkdtempSync(join(tmpdir(), "berth-pty-")), "pty.sock"));
      const pipes = await run(this.io.stdio, console?.path);
      this.io.handedToRuntime();
      this.systemPid = Number(readFileSync(this.layout.pidFile(pid), "utf8"));
      this.pidfd = pidfdOpen(this.systemPid);
      // Subscribed before anything can start the process, so an instant exit cannot be missed.
      waitFor(this.systemPid).then((status) => this.onExit(status));
      this.output = console ? await this.terminalOutput(console) : this.pipeOutput(pipes);
    } catch (err) {
      this.io?.release();
      if (this.pidfd !== undefined) this.signal(9);
      throw err;
    } finally {
      console?.close();
      if (console) rmSync(dirname(console.path), { recursive: true, force: true });
    }
    return this.systemPid;
  }

  /** Sends `signal` through the pidfd, so a reused pid is never hit; a reaped process is not signalled. */
  signal(signal: number): void {
    if (this.pidfd === undefined) throw new BerthError("failed_precondition", `cannot signal process ${this.pid}: it is not running`);
    pidfdSendSignal(this.pidfd, signal);
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
    if (fd === undefined || this.pidfd === undefined) throw new BerthError("failed_precondition", `process ${this.pid} has no stdin the shim can write to`);
    await writeAll(fd, data);
  }

  /** Resolves once the process has exited, its output has ended and its stdio is released. */
  async drained(): Promise<void> {
    await this.reaped;
    await this.output?.done;
    this.io?.release();
    if (this.master !== undefined) closeFd(this.master);
    this.master = undefined;
  }

  private onExit(status: number): void {
    if (this.pidfd !== undefined) closeFd(this.pidfd);
    this.pidfd = undefined;
    this.log.info("process exited", { pid: this.pid, status });
    this.resolveReaped(status);
  }

  private readonly sinkError = (err: unknown) => this.log.error("output lost: cannot write it", { pid: this.pid, error: String(err) });

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
