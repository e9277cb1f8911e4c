/** The records berthd and the shim exchange on disk, with their readers and writers. */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import type { Restart } from "@berth/protocol";
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
  /** A container created from an image: berthd mounts its overlay (lower: the image's rootfs in the store). */
  image?: { reference: string; digest: string };
  /** The restart policy the create asked for. */
  restart?: Restart;
  /** Remove the container once its init has exited (`berth start --rm`). */
  autoRemove?: boolean;
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

export interface ShimRecord {
  pid: number;
  startTime: string;
  /** The shim RPC version it speaks (protocol's SHIM_PROTOCOL_VERSION); missing in records of older shims. */
  protocol?: number;
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
