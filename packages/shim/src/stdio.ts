/**
 * A process's stdio as the shim holds it. Client paths (FIFOs or regular files) are opened here. Without a
 * terminal they are handed to the runtime as fds, so output goes straight from the container to the client with
 * no copy; with a terminal the shim keeps them and copies between them and the pty (see process.ts).
 *
 * For each client FIFO the shim keeps its own peer end open for the process's life: a read end on stdout/stderr
 * FIFOs (the container never gets EPIPE when the client goes away; output waits in the FIFO buffer, 64 KiB, then
 * the writer blocks until a reader comes back) and a write end on the stdin FIFO (the container never sees EOF
 * when the client closes; closeStdin drops it). Streams without a path are captured by the shim (output.ts).
 */
import { statSync } from "node:fs";
import {
  closeFd, O_APPEND, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_RDONLY, O_WRONLY, openFd, setBlocking, SysError, tryOpenWriter,
} from "@berth/sys";
import { BerthError } from "@berth/protocol";

export type Stdio = "ignore" | "pipe" | number;

export interface StdioPaths {
  stdin?: string;
  stdout?: string;
  stderr?: string;
}

export class ProcessIo {
  /** What the runtime gets for stdin, stdout, stderr. */
  readonly stdio: [Stdio, Stdio, Stdio] = ["ignore", "pipe", "pipe"];
  /** With a terminal: the client's stdin reader and stdout writer, which the shim copies to and from the pty. */
  terminalIn: number | undefined;
  terminalOut: number | undefined;
  /** Our copies of the fds handed to the runtime: closed once it has them. */
  private readonly handedOver = new Set<number>();
  /** Fds held for the process's life. */
  private readonly held: number[] = [];
  private stdinKeepAlive: number | undefined;

  private constructor() {}

  /**
   * Opens every client path, waiting at most until `deadline` (ms epoch) for a FIFO reader to appear, and no
   * longer once `abort` fires (the container is over).
   */
  static async open(paths: StdioPaths, deadline: number, terminal: boolean, abort?: AbortSignal): Promise<ProcessIo> {
    const io = new ProcessIo();
    try {
      if (terminal) {
        io.stdio[1] = io.stdio[2] = "ignore"; // the runtime gives the process the pty
        if (paths.stdin) io.terminalIn = io.hold(io.openStdin(paths.stdin, false));
        if (paths.stdout) io.terminalOut = io.hold(await io.openOutput(paths.stdout, deadline, abort));
        return io;
      }
      if (paths.stdin) io.stdio[0] = io.handOver(io.openStdin(paths.stdin, true));
      const opened = new Map<string, number>();
      for (const [slot, path] of [[1, paths.stdout], [2, paths.stderr]] as const) {
        if (!path) continue;
        let fd = opened.get(path);
        if (fd === undefined) {
          fd = io.handOver(await io.openOutput(path, deadline, abort));
          opened.set(path, fd);
        }
        io.stdio[slot] = fd;
      }
      return io;
    } catch (err) {
      io.release();
      throw err;
    }
  }

  /** The runtime's pipes the shim must read (output nobody else receives). */
  get captured(): { stdout: boolean; stderr: boolean } {
    return { stdout: this.stdio[1] === "pipe", stderr: this.stdio[2] === "pipe" };
  }

  /** The shim's write end of the client's stdin FIFO, through which attach can feed stdin; undefined if none. */
  get stdinWriter(): number | undefined {
    return this.stdinKeepAlive;
  }

  /** Drops our copies of the fds the runtime now holds, so EOF reaches readers when the process closes them. */
  handedToRuntime(): void {
    for (const fd of this.handedOver) closeFd(fd);
    this.handedOver.clear();
  }

  /** The process sees EOF on stdin once the client has closed its end too. */
  closeStdin(): void {
    if (this.stdinKeepAlive === undefined) return;
    closeFd(this.stdinKeepAlive);
    this.stdinKeepAlive = undefined;
  }

  /** Closes everything still held; call once the process has exited and its output is drained. */
  release(): void {
    this.handedToRuntime();
    this.closeStdin();
    for (const fd of this.held.splice(0)) closeFd(fd);
  }

  private handOver(fd: number): number {
    this.handedOver.add(fd);
    return fd;
  }

  private hold(fd: number): number {
    this.held.push(fd);
    return fd;
  }

  /** `forRuntime`: the fd goes to the process, which must block on reads; the shim's own reader must not. */
  private openStdin(path: string, forRuntime: boolean): number {
    if (kindOf(path, "stdin") === "fifo") {
      const reader = clientOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      try {
        this.stdinKeepAlive = clientOpen(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      } catch (err) {
        closeFd(reader);
        throw err;
      }
      // The flag is shared with the container: a process reading its stdin must block, not get EAGAIN.
      if (forRuntime) setBlocking(reader, true);
      return reader;
    }
    return clientOpen(path, O_RDONLY | O_CLOEXEC);
  }

  private async openOutput(path: string, deadline: number, abort?: AbortSignal): Promise<number> {
    if (kindOf(path, "output") !== "fifo") return clientOpen(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640);
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const fd = tryOpenWriter(path);
      if (fd !== undefined) {
        this.hold(clientOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        setBlocking(fd, true);
        return fd;
      }
      if (Date.now() >= deadline) throw new BerthError("timeout", `open ${path}: no reader on the fifo before the start timeout`);
      if (abort?.aborted) throw new BerthError("failed_precondition", `open ${path}: the container exited while waiting for a reader`);
      await Bun.sleep(delay);
    }
  }
}

/** Opens a client's path; a path that cannot be opened is the client's error (400), not ours. */
function clientOpen(path: string, flags: number, mode?: number): number {
  try {
    return openFd(path, flags, mode);
  } catch (err) {
    if (err instanceof SysError) throw new BerthError("invalid_argument", err.message, { cause: err });
    throw err;
  }
}

function kindOf(path: string, role: "stdin" | "output"): "fifo" | "file" {
  let st;
  try {
    st = statSync(path);
  } catch {
    if (role === "output") return "file"; // created on open
    throw new BerthError("invalid_argument", `open ${path}: no such file or fifo`);
  }
  if (st.isFIFO()) return "fifo";
  if (st.isFile() || st.isCharacterDevice()) return "file";
  throw new BerthError("invalid_argument", `open ${path}: not a fifo or a regular file`);
}
