/**
 * Runc: the one typed wrapper around an OCI runtime's command line (runc or anything with its flags). One method
 * per subcommand, one options type per subcommand rendered by one function, shared flags from the config.
 * Every call logs to its own JSON file so a failure carries the runtime's last error line, and every call has a
 * bound: a runtime that hangs is killed and reported as a timeout.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BerthError } from "@berth/protocol";
import { lastLogError, RuntimeError } from "./errors.ts";

type Stdio = "ignore" | "pipe" | number;
export type SpawnFn = (argv: string[], options: {
  stdin: Stdio; stdout: Stdio; stderr: Stdio; cwd?: string;
}) => Subprocess<any, any, any>;

export interface RuncConfig {
  /** Runtime binary, e.g. "runc". */
  binary: string;
  /** Global flags placed before the subcommand on every call, e.g. ["--root=/x"]. */
  globalArgs: string[];
  /** Where each call's JSON log goes. */
  logDir: string;
  /** Bound for calls that take no explicit timeout. */
  timeoutMs: number;
  /** How to start processes: the shim passes its reaper's spawn so runc is never taken for an orphan. */
  spawn?: SpawnFn;
}

export interface CreateOptions {
  bundle: string;
  pidFile: string;
  noPivot?: boolean;
  consoleSocket?: string;
  /** stdin, stdout, stderr handed to the container's init. */
  stdio: [Stdio, Stdio, Stdio];
  timeoutMs?: number;
}

export interface ExecOptions {
  /** Path of the OCI process spec. */
  process: string;
  pidFile: string;
  consoleSocket?: string;
  stdio: [Stdio, Stdio, Stdio];
  timeoutMs?: number;
}

export interface KillOptions {
  all?: boolean;
}

export interface DeleteOptions {
  force?: boolean;
}

export interface RuncState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
}

/** The runtime's stdout/stderr pipes, where they were asked for: the container's output until it exits. */
export interface StdioPipes {
  stdout?: ReadableStream<Uint8Array>;
  stderr?: ReadableStream<Uint8Array>;
}

function pipesOf(proc: Subprocess<any, any, any>, stdio: [Stdio, Stdio, Stdio]): StdioPipes {
  return {
    ...(stdio[1] === "pipe" ? { stdout: proc.stdout as ReadableStream<Uint8Array> } : {}),
    ...(stdio[2] === "pipe" ? { stderr: proc.stderr as ReadableStream<Uint8Array> } : {}),
  };
}

const defaultSpawn: SpawnFn = (argv, options) => Bun.spawn(argv, options);

/** Flags of each subcommand, in one place: the argv tests pin these. */
export const render = {
  create: (id: string, o: Omit<CreateOptions, "stdio" | "timeoutMs">) => [
    "create", "--bundle", o.bundle, "--pid-file", o.pidFile,
    ...(o.noPivot ? ["--no-pivot"] : []),
    ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []),
    id,
  ],
  start: (id: string) => ["start", id],
  exec: (id: string, o: Omit<ExecOptions, "stdio" | "timeoutMs">) => [
    "exec", "--detach", "--process", o.process, "--pid-file", o.pidFile,
    ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []),
    id,
  ],
  kill: (id: string, signal: number, o: KillOptions = {}) => ["kill", ...(o.all ? ["--all"] : []), id, String(signal)],
  delete: (id: string, o: DeleteOptions = {}) => ["delete", ...(o.force ? ["--force"] : []), id],
  state: (id: string) => ["state", id],
  ps: (id: string) => ["ps", "--format", "json", id],
};

export class Runc {
  private calls = 0;
  private readonly spawn: SpawnFn;

  constructor(private readonly config: RuncConfig) {
    this.spawn = config.spawn ?? defaultSpawn;
    mkdirSync(config.logDir, { recursive: true, mode: 0o700 });
  }

  get binary(): string {
    return this.config.binary;
  }

  /** The full argv of a call: binary, log flags, global args, then the subcommand. */
  argv(logFile: string, sub: string[]): string[] {
    return [this.config.binary, "--log", logFile, "--log-format", "json", ...this.config.globalArgs, ...sub];
  }

  /**
   * `runc create`: the container's init is left blocked until `start`. runc hands its stdio to the init, so its
   * stdout/stderr pipes (when "pipe") stay open until the container exits; they are returned for capture.
   */
  async create(id: string, options: CreateOptions): Promise<StdioPipes> {
    return pipesOf(await this.run("create", render.create(id, options), options.stdio, options.timeoutMs), options.stdio);
  }

  async start(id: string): Promise<void> {
    await this.run("start", render.start(id));
  }

  /** `runc exec --detach`: like create, runc hands its stdio to the process; the pipes are returned for capture. */
  async exec(id: string, options: ExecOptions): Promise<StdioPipes> {
    return pipesOf(await this.run("exec", render.exec(id, options), options.stdio, options.timeoutMs), options.stdio);
  }

  async kill(id: string, signal: number, options?: KillOptions): Promise<void> {
    await this.run("kill", render.kill(id, signal, options));
  }

  async delete(id: string, options?: DeleteOptions): Promise<void> {
    await this.run("delete", render.delete(id, options));
  }

  async state(id: string): Promise<RuncState> {
    return JSON.parse(await this.output("state", render.state(id))) as RuncState;
  }

  async ps(id: string): Promise<number[]> {
    return (JSON.parse(await this.output("ps", render.ps(id))) as number[] | null) ?? [];
  }

  private async output(op: string, sub: string[]): Promise<string> {
    const proc = await this.run(op, sub, ["ignore", "pipe", "ignore"]);
    return new Response(proc.stdout as ReadableStream).text();
  }

  private async run(op: string, sub: string[], stdio: [Stdio, Stdio, Stdio] = ["ignore", "ignore", "ignore"], timeoutMs = this.config.timeoutMs) {
    const logFile = join(this.config.logDir, `${op}-${process.pid}-${++this.calls}.log`);
    const argv = this.argv(logFile, sub);
    let proc: Subprocess<any, any, any>;
    try {
      proc = this.spawn(argv, { stdin: stdio[0], stdout: stdio[1], stderr: stdio[2] });
    } catch (err) {
      throw new RuntimeError(op, -1, argv, `cannot run ${this.config.binary}: ${(err as Error).message}`);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    const status = await proc.exited;
    clearTimeout(timer);
    if (timedOut) throw new BerthError("timeout", `runtime ${op} did not finish within ${timeoutMs} ms`);
    if (status !== 0) {
      let message: string | undefined;
      try {
        message = lastLogError(readFileSync(logFile, "utf8"));
      } catch {}
      throw new RuntimeError(op, status, argv, message ?? `exit status ${status}`);
    }
    rmSync(logFile, { force: true });
    return proc;
  }
}
