/**
 * The runtime's console socket: runc creates a container's pty and sends the master fd over a unix socket
 * (`--console-socket`) with SCM_RIGHTS, which no Bun socket API can receive. Also TIOCSWINSZ for resizing.
 *
 * Buffers shared with C live only for the duration of one call and belong to this module.
 */
import { ptr } from "bun:ffi";
import { check, EAGAIN, errno, libc, SysError } from "./libc.ts";
import { AF_UNIX, SCM_RIGHTS, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, SOL_SOCKET } from "./socket.ts";

const TIOCSWINSZ = 0x5414;
const SUN_PATH_MAX = 107;

export class ConsoleSocket {
  private conn: number | undefined;

  private constructor(private readonly fd: number, readonly path: string) {}

  /** Listens on `path` (relative to the cwd when not absolute; at most 107 bytes). */
  static listen(path: string): ConsoleSocket {
    const bytes = Buffer.from(path);
    if (bytes.length > SUN_PATH_MAX) throw new SysError("bind", 36, path);
    const fd = check("socket", path, () => libc.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const addr = new Uint8Array(110);
    new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
    addr.set(bytes, 2);
    try {
      check("bind", path, () => libc.bind(fd, ptr(addr), 2 + bytes.length + 1));
      check("listen", path, () => libc.listen(fd, 1));
    } catch (err) {
      libc.close(fd);
      throw err;
    }
    return new ConsoleSocket(fd, path);
  }

  /** The pty master once the runtime has connected and sent it; undefined until then. Never blocks. */
  tryReceive(): number | undefined {
    if (this.conn === undefined) {
      const conn = libc.accept4(this.fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn < 0) {
        if (errno() === EAGAIN) return undefined;
        throw new SysError("accept4", errno(), this.path);
      }
      this.conn = conn;
    }
    const data = new Uint8Array(4096);
    const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
    const control = new Uint8Array(64);
    const msg = new BigUint64Array(7); // struct msghdr (x86_64)
    msg[2] = BigInt(ptr(iov));
    msg[3] = 1n;
    msg[4] = BigInt(ptr(control));
    msg[5] = BigInt(control.length);
    const n = Number(libc.recvmsg(this.conn, ptr(msg), 0));
    if (n < 0) {
      if (errno() === EAGAIN) return undefined;
      throw new SysError("recvmsg", errno(), this.path);
    }
    const cmsg = new DataView(control.buffer); // struct cmsghdr { u64 len; i32 level; i32 type; } then the fd
    if (cmsg.getInt32(8, true) !== SOL_SOCKET || cmsg.getInt32(12, true) !== SCM_RIGHTS) {
      throw new SysError("recvmsg", 22, `${this.path} (no SCM_RIGHTS message)`);
    }
    return cmsg.getInt32(16, true);
  }

  close(): void {
    if (this.conn !== undefined) libc.close(this.conn);
    libc.close(this.fd);
  }
}

/** TIOCSWINSZ on a pty master: the processes on the terminal see the new size (and get SIGWINCH). */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  check("ioctl(TIOCSWINSZ)", fd, () => libc.ioctl(fd, TIOCSWINSZ, ptr(ws)));
}
