/** Process control: child subreaper, waiting on known pids, the orphan peek, signals and pidfds. */
import { ptr } from "bun:ffi";
import { check, errno, libc, SysError } from "./libc.ts";

const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
export const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
const SYS_pidfd_open = 434;
const SYS_pidfd_send_signal = 424;
const ECHILD = 10;
const ESRCH = 3;

export function setChildSubreaper(): void {
  check("prctl(PR_SET_CHILD_SUBREAPER)", undefined, () => libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
}

export function isChildSubreaper(): boolean {
  const out = new Int32Array(1);
  check("prctl(PR_GET_CHILD_SUBREAPER)", undefined, () => libc.prctl(PR_GET_CHILD_SUBREAPER, Number(ptr(out)), 0, 0, 0));
  return out[0] === 1;
}

/** An exit status as the API reports it: the exit code, or 128+N for a process killed by signal N. */
export function decodeWaitStatus(raw: number): number {
  const sig = raw & 0x7f;
  if (sig === 0) return (raw >> 8) & 0xff;
  if (sig !== 0x7f) return 128 + sig;
  return 255;
}

// Owned by this module, reused by every call: the event loop is single-threaded and no call keeps a pointer.
const statusBuf = new Int32Array(1);
const siginfo = new Uint8Array(128);
const siginfoView = new DataView(siginfo.buffer);

/**
 * Reaps `pid` if it has exited: its decoded exit status, or undefined while it runs or when it is not our child
 * (ECHILD: not yet re-parented to us, or already reaped). Never pass -1: see notes/bun-on-linux.md §1.5.
 */
export function reapPid(pid: number): number | undefined {
  if (pid <= 0) throw new RangeError(`reapPid needs a positive pid, got ${pid}`);
  for (;;) {
    const r = libc.waitpid(pid, ptr(statusBuf), WNOHANG);
    if (r === pid) return decodeWaitStatus(statusBuf[0]!);
    if (r === 0) return undefined;
    const e = errno();
    if (e === ECHILD) return undefined;
    if (e !== 4) throw new SysError("waitpid", e, pid);
  }
}

/** The pid of some exited child, left unreaped (waitid WNOWAIT), or undefined when none has exited. */
export function peekExitedChild(): number | undefined {
  siginfo.fill(0);
  const r = libc.waitid(P_ALL, 0, ptr(siginfo), WEXITED | WNOHANG | WNOWAIT);
  if (r < 0) {
    const e = errno();
    if (e === ECHILD) return undefined;
    throw new SysError("waitid", e);
  }
  const pid = siginfoView.getInt32(16, true);
  return pid > 0 ? pid : undefined;
}

/** kill(2); false when the process does not exist (ESRCH). */
export function sendSignal(pid: number, signal: number): boolean {
  if (pid <= 0) throw new RangeError(`sendSignal needs a positive pid, got ${pid}`);
  return kill(pid, signal, pid);
}

/** kill(2) of every process in process group `pgid`; false when the group has no process left (ESRCH). */
export function sendGroupSignal(pgid: number, signal: number): boolean {
  if (pgid <= 0) throw new RangeError(`sendGroupSignal needs a positive process group, got ${pgid}`);
  return kill(-pgid, signal, pgid);
}

/** kill(2) of `target` (a pid, or minus a process group); SysError naming `subject` for anything but ESRCH. */
function kill(target: number, signal: number, subject: number): boolean {
  if (libc.kill(target, signal) === 0) return true;
  const e = errno();
  if (e === ESRCH) return false;
  throw new SysError("kill", e, subject);
}

export function processExists(pid: number): boolean {
  return pid > 0 && sendSignal(pid, 0);
}

/** A pidfd for `pid`: signals through it can never reach a process that later reuses the pid. Close it with closeFd. */
export function pidfdOpen(pid: number): number {
  return check("pidfd_open", pid, () => Number(libc.syscall(SYS_pidfd_open, pid, 0, 0, 0, 0)));
}

/** pidfd_send_signal(2); false when the process has already exited (ESRCH). */
export function pidfdSendSignal(pidfd: number, signal: number): boolean {
  if (Number(libc.syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0, 0)) === 0) return true;
  const e = errno();
  if (e === ESRCH) return false;
  throw new SysError("pidfd_send_signal", e, pidfd);
}
