/** The text form of what the API answers: containers, processes, events, stats and checkpoints as table rows. */
import type { Checkpoint, Container, Event, Process, Stats, TopProcess } from "@berth/protocol";
import { LiveTable, table } from "./table.ts";
import { formatBytes, formatNanos } from "./units.ts";

export function containersTable(containers: Container[]): string {
  const sorted = [...containers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return table(["ID", "STATUS", "RESTARTS", "PIDS", "LABELS", "BUNDLE"], sorted.map((c) => [
    c.id, c.exitStatus === undefined ? c.status : `${c.status} (${c.exitStatus})`, c.restart ? String(c.restartCount ?? 0) : "-",
    c.pids.join(",") || "-", c.labels.join(",") || "-", c.bundlePath,
  ]));
}

export function processesTable(processes: Process[]): string {
  return table(["PID", "SYSTEM PID", "STATUS", "EXIT", "TTY", "COMMAND"], processes.map((p) => [
    p.pid, String(p.systemPid), p.status, p.exitStatus === undefined ? "-" : String(p.exitStatus), p.terminal ? "yes" : "no", p.args.join(" "),
  ]));
}

/** docker top's columns: UID PID PPID C STIME TIME CMD, with CPU as a percentage. */
export function topTable(rows: TopProcess[]): string {
  return table(["USER", "PID", "PPID", "%CPU", "STARTED", "TIME", "COMMAND"], rows.map((p) => [
    p.user, String(p.pid), String(p.ppid), p.cpuPercent.toFixed(1), p.startedAt.slice(11, 19), formatCpuTime(p.cpuTime), p.command.join(" "),
  ]));
}

/** CPU time as ps prints it: [DD-]HH:MM:SS. */
function formatCpuTime(seconds: number): string {
  const s = Math.floor(seconds);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return s >= 86400 ? `${Math.floor(s / 86400)}-${hms}` : hms;
}

export function containerDetails(c: Container): string {
  const fields = [
    ["ID", c.id], ["Status", c.status], ["Bundle", c.bundlePath], ["Runtime", c.runtime], ["Created", c.createdAt],
    ["Labels", c.labels.join(", ") || "-"],
  ];
  return `${fields.map(([k, v]) => `${`${k}:`.padEnd(10)}${v}`).join("\n")}\nProcesses:\n${processesTable(c.processes).replace(/^/gm, "  ")}`;
}

/** The events table, streamed: TIME TYPE ID PID STATUS. */
export function eventsTable(): { header: string; row(e: Event): string } {
  const live = new LiveTable(["TIME", "TYPE", "ID", "PID", "STATUS"], [30, 15, 12, 12]);
  return { header: live.headerLine, row: (e) => live.row([e.timestamp, e.type, e.id, e.pid ?? "-", e.status === undefined ? "-" : String(e.status)]) };
}

/** One row of stats; CPU % needs the previous sample of the same container. */
export function statsRow(id: string, s: Stats, previous?: Stats): string[] {
  const { usage, limit } = s.memory.usage;
  const cpu = previous ? cpuPercent(previous, s) : "-";
  const io = (op: string) => s.blkio.ioServiceBytes.filter((e) => e.op.toLowerCase() === op).reduce((n, e) => n + e.value, 0);
  return [
    id, cpu, formatNanos(s.cpu.usage.total), `${formatBytes(usage)} / ${limit === undefined ? "-" : formatBytes(limit)}`,
    s.pids.limit === undefined ? String(s.pids.current) : `${s.pids.current} / ${s.pids.limit}`,
    `${formatBytes(io("read"))} / ${formatBytes(io("write"))}`,
  ];
}

export const STATS_HEADER = ["ID", "CPU %", "CPU TIME", "MEM USAGE / LIMIT", "PIDS", "BLOCK I/O"];

function cpuPercent(before: Stats, after: Stats): string {
  const ns = after.cpu.usage.total - before.cpu.usage.total;
  const wallNs = (Date.parse(after.timestamp) - Date.parse(before.timestamp)) * 1e6;
  return wallNs > 0 ? `${((ns / wallNs) * 100).toFixed(1)}%` : "-";
}

export function checkpointsTable(checkpoints: Checkpoint[]): string {
  return table(["NAME", "CREATED", "OPTIONS"], checkpoints.map((c) => {
    const flags = (["exit", "tcp", "unixSockets", "shell"] as const).filter((f) => c[f]);
    const options = [...flags, ...(c.emptyNamespaces.length ? [`emptyNamespaces=${c.emptyNamespaces.join(",")}`] : [])];
    return [c.name, c.created, options.join(" ") || "-"];
  }));
}
