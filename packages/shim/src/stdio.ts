/**
 * A process's stdio as the shim holds it. Client paths (FIFOs or regular files) are opened here and handed to
 * the runtime as fds, so output goes straight from the container to the client with no copy. For each client
 * FIFO the shim keeps its own peer end open for the process's life: a read end on stdout/stderr FIFOs (the
 * container never gets EPIPE when the client goes away; output waits in the FIFO buffer, then the writer blocks
 * until a reader comes back) and a write end on the stdin FIFO (the container never sees EOF when the client
 * closes; closeStdin drops it). Streams without a path are captured to a rotated log by capture.ts.
 */
import { statSync } from "node:fs";
import {
  closeFd, O_APPEND, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_RDONLY, O_WRONLY, openFd, setBlocking, tryOpenWriter,
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
  /** Our copies of the fds handed to the runtime: closed once it has them. */
  private readonly handedOver = new Set<number>();
  /** Peer ends held for the process's life. */
  private readonly keepAlive: number[] = [];
  private stdinKeepAlive: number | undefined;

  private constructor() {}

  /** Opens every client path, waiting at most until `deadline` (ms epoch) for a FIFO reader to appear. */
  static async open(paths: StdioPaths, deadline: number): Promise<ProcessIo> {
    const io = new ProcessIo();
    try {
      if (paths.stdin) io.stdio[0] = io.openStdin(paths.stdin);
      const opened = new Map<string, number>();
      for (const [slot, path] of [[1, paths.stdout], [2, paths.stderr]] as const) {
        if (!path) continue;
        let fd = opened.get(path);
        if (fd === undefined) {
          fd = await io.openOutput(path, deadline);
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

  /** Which of stdout/stderr the shim must capture itself. */
  get captured(): { stdout: boolean; stderr: boolean } {
    return { stdout: this.stdio[1] === "pipe", stderr: this.stdio[2] === "pipe" };
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

  /** Closes everything still held; call after the process has exited. */
  release(): void {
    this.handedToRuntime();
    this.closeStdin();
    for (const fd of this.keepAlive.splice(0)) closeFd(fd);
  }

  private openStdin(path: string): number {
    if (kindOf(path, "stdin") === "fifo") {
      const reader = openFd(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      this.handedOver.add(reader);
      this.stdinKeepAlive = openFd(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      // The flag is shared with the container: a process reading its stdin must block, not get EAGAIN.
      setBlocking(reader, true);
      return reader;
    }
    const fd = openFd(path, O_RDONLY | O_CLOEXEC);
    this.handedOver.add(fd);
    return fd;
  }

  private async openOutput(path: string, deadline: number): Promise<number> {
    if (kindOf(path, "output") !== "fifo") {
      const fd = openFd(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640);
      this.handedOver.add(fd);
      return fd;
    }
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const fd = tryOpenWriter(path);
      if (fd !== undefined) {
        this.handedOver.add(fd);
        this.keepAlive.push(openFd(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        setBlocking(fd, true);
        return fd;
      }
      if (Date.now() >= deadline) throw new BerthError("timeout", `open ${path}: no reader on the fifo before the start timeout`);
      await Bun.sleep(delay);
    }
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
