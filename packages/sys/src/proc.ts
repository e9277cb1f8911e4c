/** Facts read from /proc that identify a process across pid reuse. */
import { readFileSync } from "node:fs";

/** /proc/<pid>/stat as comm (field 2) and the fields after it (fields[0] is field 3, state). Throws when gone. */
function readStat(pid: number): { comm: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // comm may hold spaces and parentheses: fields after it start past the last ')'.
  return { comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), fields: stat.slice(stat.lastIndexOf(")") + 2).split(" ") };
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined when the process is gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    return readStat(pid).fields[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the same process that had `startTime`. */
export function isSameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

/** True when `pid` is the process that had `startTime` and has not exited (a zombie has). */
export function isLive(pid: number, startTime: string): boolean {
  if (!isSameProcess(pid, startTime)) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** What /proc tells of one process: the fields `top` shows. Times in clock ticks of USER_HZ (100 on Linux). */
export interface ProcessFacts {
  pid: number;
  ppid: number;
  /** Real uid, from /proc/<pid>/status. */
  uid: number;
  /** User plus system CPU time, in ticks. */
  cpuTicks: number;
  /** Since boot, in ticks. */
  startTicks: number;
  /** argv from /proc/<pid>/cmdline; empty for a zombie or a kernel thread. */
  args: string[];
  /** The executable's name (field 2 of stat). */
  comm: string;
}

/** USER_HZ: the unit of times in /proc/<pid>/stat, 100 on every Linux architecture Berth runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** The facts of `pid`, or undefined when it is gone (it may exit between any two reads). */
export function processFacts(pid: number): ProcessFacts | undefined {
  try {
    const { comm, fields } = readStat(pid);
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return {
      pid,
      ppid: Number(fields[1]),
      uid: Number(uid ?? -1),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      startTicks: Number(fields[19]),
      args: cmdline ? cmdline.replace(/\0$/, "").split("\0") : [],
      comm,
    };
  } catch {
    return undefined;
  }
}
