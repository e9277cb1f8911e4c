/** The records berthd and the shim exchange on disk, with their readers and writers. */
import { readdirSync } from "node:fs";
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
