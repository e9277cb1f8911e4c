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
  stdin: Stdio | Blob; stdout: Stdio; stderr: Stdio; cwd?: string;
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

/** OCI LinuxResources, the part `runc update --resources -` reads: a field left out (or 0) stays as it is. */
export interface LinuxResources {
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  blockIO?: { weight?: number };
  pids?: { limit: number };
}

/** CRIU's images and work dir, and what it may take along: the same on checkpoint and on restore. */
export interface CriuOptions {
  imagePath: string;
  /** CRIU's work files and its log (dump.log, restore.log). */
  workPath: string;
  tcp?: boolean;
  unixSockets?: boolean;
  shell?: boolean;
  emptyNamespaces?: string[];
}

export interface CheckpointOptions extends CriuOptions {
  leaveRunning?: boolean;
}

export type RestoreOptions = CreateOptions & CriuOptions;

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

let calls = 0;

const defaultSpawn: SpawnFn = (argv, options) => Bun.spawn(argv, options);

const createFlags = (o: Omit<CreateOptions, "stdio" | "timeoutMs">) => [
  "--bundle", o.bundle, "--pid-file", o.pidFile,
  ...(o.noPivot ? ["--no-pivot"] : []),
  ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []),
];

const criuFlags = (o: CriuOptions) => [
  "--image-path", o.imagePath, "--work-path", o.workPath,
  ...(o.tcp ? ["--tcp-established"] : []),
  ...(o.unixSockets ? ["--ext-unix-sk"] : []),
  ...(o.shell ? ["--shell-job"] : []),
  ...(o.emptyNamespaces ?? []).flatMap((ns) => ["--empty-ns", ns]),
];

/** Flags of each subcommand, in one place: the argv tests pin these. */
export const render = {
  run: (id: string, o: Omit<CreateOptions, "stdio" | "timeoutMs">) => ["run", "--detach", ...createFlags(o), id],
  exec: (id: string, o: Omit<ExecOptions, "stdio" | "timeoutMs">) => [
    "exec", "--detach", "--process", o.process, "--pid-file", o.pidFile,
    ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []),
    id,
  ],
  kill: (id: string, signal: number, o: KillOptions = {}) => ["kill", ...(o.all ? ["--all"] : []), id, String(signal)],
  delete: (id: string, o: DeleteOptions = {}) => ["delete", ...(o.force ? ["--force"] : []), id],
  state: (id: string) => ["state", id],
  ps: (id: string) => ["ps", "--format", "json", id],
  pause: (id: string) => ["pause", id],
  resume: (id: string) => ["resume", id],
  update: (id: string) => ["update", "--resources", "-", id],
  checkpoint: (id: string, o: CheckpointOptions) => ["checkpoint", ...criuFlags(o), ...(o.leaveRunning ? ["--leave-running"] : []), id],
  restore: (id: string, o: Omit<RestoreOptions, "stdio" | "timeoutMs">) => ["restore", "--detach", ...createFlags(o), ...criuFlags(o), id],
};

export class Runc {
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
   * `runc run --detach`: creates the container and starts its init in one runtime process (`create` + `start`
   * would be two); runc exits once the init runs, and the caller (a child subreaper) reaps the init. runc hands
   * its stdio to the init, so its stdout/stderr pipes (when "pipe") stay open until the container exits; they are
   * returned for capture. Throws RuntimeError with runc's own message ("runc run failed: ...").
   */
  async run(id: string, options: CreateOptions): Promise<StdioPipes> {
    return pipesOf(await this.call("run", render.run(id, options), options.stdio, options.timeoutMs), options.stdio);
  }

  /** `runc exec --detach`: like create, runc hands its stdio to the process; the pipes are returned for capture. */
  async exec(id: string, options: ExecOptions): Promise<StdioPipes> {
    return pipesOf(await this.call("exec", render.exec(id, options), options.stdio, options.timeoutMs), options.stdio);
  }

  async kill(id: string, signal: number, options?: KillOptions): Promise<void> {
    await this.call("kill", render.kill(id, signal, options));
  }

  async delete(id: string, options?: DeleteOptions): Promise<void> {
    await this.call("delete", render.delete(id, options));
  }

  async state(id: string): Promise<RuncState> {
    return JSON.parse(await this.output("state", render.state(id))) as RuncState;
  }

  async ps(id: string): Promise<number[]> {
    return (JSON.parse(await this.output("ps", render.ps(id))) as number[] | null) ?? [];
  }

  async pause(id: string): Promise<void> {
    await this.call("pause", render.pause(id));
  }

  async resume(id: string): Promise<void> {
    await this.call("resume", render.resume(id));
  }

  /** `runc update --resources -`: the resources go to runc's stdin as JSON. */
  async update(id: string, resources: LinuxResources): Promise<void> {
    await this.call("update", render.update(id), [new Blob([JSON.stringify(resources)]), "ignore", "ignore"]);
  }

  /** `runc checkpoint` (CRIU); the container keeps running only with `leaveRunning`. */
  async checkpoint(id: string, options: CheckpointOptions): Promise<void> {
    await this.call("checkpoint", render.checkpoint(id, options)).catch((err) => {
      throw withCriuErrors(err, join(options.workPath, "dump.log"));
    });
  }

  /** `runc restore --detach`: create and start in one, from a checkpoint; runc hands its stdio over as with create. */
  async restore(id: string, options: RestoreOptions): Promise<StdioPipes> {
    const proc = await this.call("restore", render.restore(id, options), options.stdio, options.timeoutMs).catch((err) => {
      throw withCriuErrors(err, join(options.workPath, "restore.log"));
    });
    return pipesOf(proc, options.stdio);
  }

  private async output(op: string, sub: string[]): Promise<string> {
    const proc = await this.call(op, sub, ["ignore", "pipe", "ignore"]);
    return new Response(proc.stdout as ReadableStream).text();
  }

  private async call(op: string, sub: string[], stdio: [Stdio | Blob, Stdio, Stdio] = ["ignore", "ignore", "ignore"], timeoutMs = this.config.timeoutMs) {
    // Unique per call across every Runc of the process: a failed call's log is kept, and must never be reused.
    const logFile = join(this.config.logDir, `${op}-${process.pid}-${++calls}.log`);
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

/**
 * When CRIU fails, runc says only "criu failed: type DUMP errno 0" and where CRIU's log is; that log sits in the
 * work dir, which a failed checkpoint does not keep. Its error lines take the place of the pointer.
 */
function withCriuErrors(err: unknown, criuLog: string): unknown {
  if (!(err instanceof RuntimeError)) return err;
  let log: string;
  try {
    log = readFileSync(criuLog, "utf8");
  } catch {
    return err;
  }
  const errors = log.split("\n").filter((l) => /\bError \(/.test(l)).map((l) => l.replace(/^\([\d. ]+\)\s*/, ""));
  if (errors.length === 0) return err;
  return new RuntimeError(err.op, err.exitStatus, err.argv, `${err.runtimeMessage.split("\n")[0]}: ${errors.join("; ")}`);
}
