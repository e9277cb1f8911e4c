/** @berth/sys: every bun:ffi binding Berth uses. Nothing outside this package imports bun:ffi. */
export { SysError } from "./libc.ts";
export {
  decodeWaitStatus, isChildSubreaper, peekExitedChild, pidfdOpen, pidfdSendSignal, processExists, reapPid,
  sendGroupSignal, sendSignal, setChildSubreaper,
} from "./process.ts";
export {
  closeFd, makeEventFd, makeFifo, makePipe, openFd, O_APPEND, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY,
  setBlocking, tryOpenWriter,
} from "./fd.ts";
export { CLOCK_TICKS_PER_SECOND, isLive, isSameProcess, processFacts, type ProcessFacts, processStartTime } from "./proc.ts";
export { type Cgroups, cgroupsOf, parseCgroups, readKeyed } from "./cgroup.ts";
export { ConsoleSocket, setWindowSize } from "./console.ts";
export { sendDatagram } from "./datagram.ts";
export { installReaper, spawn, waitFor } from "./reaper.ts";
export { mountFilesystem, mountPoints, unmount } from "./mount.ts";
export { type TaskExit, TaskstatsListener } from "./taskstats.ts";
export { parseProcEvents, type ProcEventSink, ProcEventListener } from "./proc-events.ts";
