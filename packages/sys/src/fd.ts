/** File descriptors Bun has no API for: FIFOs opened without blocking, pipes, O_NONBLOCK toggles. The caller owns every fd returned. */
import { ptr } from "bun:ffi";
import { lstatSync } from "node:fs";
import { check, cstr, errno, libc, SysError } from "./libc.ts";

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const F_SETFL = 4;
const ENXIO = 6;
const EEXIST = 17;

export function openFd(path: string, flags: number, mode = 0o600): number {
  const c = cstr(path);
  return check("open", path, () => libc.open(c, flags, mode));
}

/** Opens `path` for writing without blocking: undefined while a FIFO has no reader (ENXIO). */
export function tryOpenWriter(path: string, flags = 0): number | undefined {
  const c = cstr(path);
  for (;;) {
    const fd = libc.open(c, O_WRONLY | O_NONBLOCK | O_CLOEXEC | flags, 0o600);
    if (fd >= 0) return fd;
    const e = errno();
    if (e === ENXIO) return undefined;
    if (e !== 4) throw new SysError("open", e, path);
  }
}

export function closeFd(fd: number): void {
  check("close", fd, () => libc.close(fd));
}

export function setBlocking(fd: number, blocking: boolean): void {
  const flags = check("fcntl(F_GETFL)", fd, () => libc.fcntl(fd, F_GETFL, 0));
  const next = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
  check("fcntl(F_SETFL)", fd, () => libc.fcntl(fd, F_SETFL, next));
}

/** mkfifo(3); an existing FIFO at `path` is fine, anything else there is EEXIST. */
export function makeFifo(path: string, mode = 0o600): void {
  const c = cstr(path);
  if (libc.mkfifo(c, mode) === 0) return;
  const e = errno();
  if (e !== EEXIST || !lstatSync(path).isFIFO()) throw new SysError("mkfifo", e, path);
}

/**
 * eventfd(2), non-blocking and close-on-exec: Bun's own reader (`Bun.file(fd).stream()`) waits on it in the event
 * loop, one 8-byte counter per wake-up, with no thread.
 */
export function makeEventFd(): number {
  return check("eventfd", undefined, () => libc.eventfd(0, O_NONBLOCK | O_CLOEXEC));
}

/** pipe2(O_CLOEXEC): [read end, write end]. */
export function makePipe(): [number, number] {
  const fds = new Int32Array(2);
  check("pipe2", undefined, () => libc.pipe2(ptr(fds), O_CLOEXEC));
  return [fds[0]!, fds[1]!];
}
