/** The records berthd and the shim exchange on disk, with their readers and writers. */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import type { ExitRecord } from "@berth/protocol";
import { readJson, writeFileDurable } from "./atomic.ts";
import type { ContainerLayout } from "./layout.ts";

/** What berthd asked for: written before the shim starts; the shim reads it at start. */
export interface ContainerRecord {
  id: string;
  bundlePath: string;
  stdin?: string;
  stdout?: string;
  stderr?: string;
  labels: string[];
  noPivotRoot: boolean;
  runtime: string;
  runtimeArgs: string[];
  createdAt: string;
  /** Bound for FIFO opens and runc create, in milliseconds. */
  startTimeoutMs: number;
  /** Captured output: rotate each log file at this size; two files per stream at most. */
  logMaxBytes: number;
  /** The init's process as the bundle had it, shown by the API also when the bundle is gone. */
  init: { args: string[]; env: string[]; cwd: string; terminal: boolean; user: { uid: number; gid: number; additionalGids?: number[] } };
  /** Set when the container is restored from a checkpoint: the shim runs `runc restore` instead of create + start. */
  restore?: { imagePath: string; workPath: string; tcp: boolean; unixSockets: boolean; shell: boolean; emptyNamespaces: string[] };
}

/** What berthd asked for when it added an exec: written before the shim runs it, read back on restore. */
export interface ProcessRecord {
  pid: string;
  /** The OCI process spec given to `runc exec --process`. */
  spec: OciProcess;
  stdin?: string;
  stdout?: string;
  stderr?: string;
}

/** The parts of an OCI runtime-spec `process` object Berth reads or writes. */
export interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Record<"bounding" | "effective" | "inheritable" | "permitted" | "ambient", string[]>;
  rlimits?: { type: string; soft: number; hard: number }[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

/** The kernel's OOM killer struck the container's memory cgroup `kills` times while it ran. */
export interface OomRecord {
  kills: number;
  recordedAt: string;
}

export interface ShimRecord {
  pid: number;
  startTime: string;
}

export function writeContainerRecord(layout: ContainerLayout, record: ContainerRecord): void {
  writeFileDurable(layout.record, JSON.stringify(record));
}

export function readContainerRecord(layout: ContainerLayout): ContainerRecord | undefined {
  return readJson<ContainerRecord>(layout.record);
}

export function writeShimRecord(layout: ContainerLayout, record: ShimRecord): void {
  writeFileDurable(layout.shimRecord, JSON.stringify(record));
}

export function readShimRecord(layout: ContainerLayout): ShimRecord | undefined {
  return readJson<ShimRecord>(layout.shimRecord);
}

export function writeExitRecord(layout: ContainerLayout, record: ExitRecord): void {
  writeFileDurable(layout.exitRecord(record.pid), JSON.stringify(record));
}

export function readExitRecord(layout: ContainerLayout, pid: string): ExitRecord | undefined {
  return readJson<ExitRecord>(layout.exitRecord(pid));
}

/** Every exit record of a container, exec exits first and init last (the order events must follow). */
export function readExitRecords(layout: ContainerLayout): ExitRecord[] {
  let names: string[];
  try {
    names = readdirSync(layout.exitsDir);
  } catch {
    return [];
  }
  const records = names
    .filter((n) => n.endsWith(".json"))
    .map((n) => readJson<ExitRecord>(`${layout.exitsDir}/${n}`))
    .filter((r): r is ExitRecord => r !== undefined);
  return records.sort((a, b) => Number(a.pid === "init") - Number(b.pid === "init") || a.exitedAt.localeCompare(b.exitedAt));
}

export function writeProcessRecord(layout: ContainerLayout, record: ProcessRecord): void {
  mkdirSync(layout.processesDir, { recursive: true, mode: 0o700 });
  writeFileDurable(layout.processRecord(record.pid), JSON.stringify(record));
}

/** Every exec's record, in the order they were written. */
export function readProcessRecords(layout: ContainerLayout): ProcessRecord[] {
  let names: string[];
  try {
    names = readdirSync(layout.processesDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".json") && !n.endsWith(".spec.json"))
    .map((n) => ({ n, t: statSync(`${layout.processesDir}/${n}`).mtimeMs }))
    .sort((a, b) => a.t - b.t)
    .map(({ n }) => readJson<ProcessRecord>(`${layout.processesDir}/${n}`))
    .filter((r): r is ProcessRecord => r !== undefined);
}

export function writeOomRecord(layout: ContainerLayout, record: OomRecord): void {
  writeFileDurable(layout.oomRecord, JSON.stringify(record));
}

export function readOomRecord(layout: ContainerLayout): OomRecord | undefined {
  return readJson<OomRecord>(layout.oomRecord);
}
