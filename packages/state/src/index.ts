/** @berth/state: the on-disk layout of the state dir and the records berthd and shims keep there. */
export { readJson, writeFileDurable } from "./atomic.ts";
export { ChangeLog, currentLife, exitOf, type PendingChange, readChanges } from "./changes.ts";
export { ContainerLayout, discardedLog, ImageLayout, InstallLayout, isDiscardedLog, logTimesPath, rotatedLog, StateLayout } from "./layout.ts";
export { LogTimes, LogTimesWriter } from "./log-times.ts";
export * from "./records.ts";
