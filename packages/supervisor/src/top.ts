/**
 * `top`: every process in a container's cgroup, as the host sees it (pid, parent, user, CPU, command), read from
 * /proc with no runtime call, so it costs no `runc ps` and works while the shim is busy. A paused container's
 * processes are listed too (reading /proc does not thaw them).
 */
import { readFileSync } from "node:fs";
import { BerthError, type TopProcess } from "@berth/protocol";
import { CLOCK_TICKS_PER_SECOND, processFacts } from "@berth/sys";
import type { Supervisor } from "./supervisor.ts";

/** The container's processes sorted by pid; 409 when it is not running or paused. */
export function top(supervisor: Supervisor, id: string): TopProcess[] {
  const container = supervisor.get(id);
  if (container.status !== "running" && container.status !== "paused") {
    throw new BerthError("failed_precondition", `cannot list the processes of container ${id}: it is ${container.status}`);
  }
  const names = userNames();
  const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const bootMs = Date.now() - uptime * 1000;
  const rows: TopProcess[] = [];
  for (const pid of container.pids) {
    const p = processFacts(pid);
    if (!p) continue; // exited since the cgroup was read
    const cpuTime = p.cpuTicks / CLOCK_TICKS_PER_SECOND;
    const elapsed = uptime - p.startTicks / CLOCK_TICKS_PER_SECOND;
    rows.push({
      pid,
      ppid: p.ppid,
      uid: p.uid,
      user: names.get(p.uid) ?? String(p.uid),
      cpuPercent: elapsed > 0 ? Math.round((cpuTime / elapsed) * 1000) / 10 : 0,
      cpuTime,
      // RFC 3339 with nanoseconds, as every time of the API (known to a tick, 10 ms).
      startedAt: new Date(bootMs + (p.startTicks / CLOCK_TICKS_PER_SECOND) * 1000).toISOString().replace(/Z$/, "000000Z"),
      command: p.args.length ? p.args : [`[${p.comm}]`],
    });
  }
  return rows.sort((a, b) => a.pid - b.pid);
}

/** uid → name from the host's /etc/passwd (as ps shows host users); empty when it cannot be read. */
function userNames(): Map<number, string> {
  try {
    return new Map(readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")).filter((f) => f.length > 2)
      .map((f) => [Number(f[2]), f[0]!] as const));
  } catch {
    return new Map();
  }
}
