/** The libc symbol table and errno handling: the only dlopen in Berth. Every binding in this package calls through here. */
import { dlopen, FFIType, read } from "bun:ffi";

const { i32, u32, i64, u64, ptr, cstring } = FFIType;

export const libc = dlopen("libc.so.6", {
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
  waitpid: { args: [i32, ptr, i32], returns: i32 },
  waitid: { args: [i32, u32, ptr, i32], returns: i32 },
  kill: { args: [i32, i32], returns: i32 },
  syscall: { args: [i64, i64, i64, i64, i64], returns: i64 },
  mkfifo: { args: [cstring, u32], returns: i32 },
  open: { args: [cstring, i32, u32], returns: i32 },
  close: { args: [i32], returns: i32 },
  fcntl: { args: [i32, i32, i64], returns: i32 },
  pipe2: { args: [ptr, i32], returns: i32 },
  socket: { args: [i32, i32, i32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  listen: { args: [i32, i32], returns: i32 },
  accept4: { args: [i32, ptr, ptr, i32], returns: i32 },
  recvmsg: { args: [i32, ptr, i32], returns: i64 },
  sendto: { args: [i32, ptr, u64, i32, ptr, u32], returns: i64 },
  recv: { args: [i32, ptr, u64, i32], returns: i64 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  ioctl: { args: [i32, u64, ptr], returns: i32 },
  eventfd: { args: [u32, i32], returns: i32 },
  mount: { args: [cstring, cstring, cstring, u64, cstring], returns: i32 },
  umount2: { args: [cstring, i32], returns: i32 },
  __errno_location: { args: [], returns: ptr },
}).symbols;

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN",
  12: "ENOMEM", 13: "EACCES", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 24: "EMFILE", 28: "ENOSPC",
  16: "EBUSY", 19: "ENODEV", 25: "ENOTTY", 32: "EPIPE", 36: "ENAMETOOLONG", 38: "ENOSYS", 40: "ELOOP", 88: "ENOTSOCK", 95: "EOPNOTSUPP",
  98: "EADDRINUSE", 105: "ENOBUFS", 111: "ECONNREFUSED",
};

export const EINTR = 4;
export const EAGAIN = 11;
export const ENOBUFS = 105;

export function errno(): number {
  return read.i32(libc.__errno_location()!, 0);
}

/** A failed system call: names the call, what it acted on and the errno, like "open /x/stdout: ENXIO". */
export class SysError extends Error {
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, readonly subject?: string | number) {
    const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${syscall}${subject === undefined ? "" : ` ${subject}`}: ${code}`);
    this.code = code;
  }
}

/** Runs a call that returns -1 on failure, retrying EINTR, and throws SysError otherwise. */
export function check(syscall: string, subject: string | number | undefined, call: () => number): number {
  for (;;) {
    const r = call();
    if (r >= 0) return r;
    const e = errno();
    if (e !== EINTR) throw new SysError(syscall, e, subject);
  }
}

/** A NUL-terminated copy of a string for a `cstring` argument; the caller keeps it alive for the call only. */
export function cstr(s: string): Buffer {
  return Buffer.from(s + "\0");
}
