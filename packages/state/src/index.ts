/** @berth/state: the on-disk layout of the state dir and the records berthd and shims keep there. */
export { readJson, writeFileDurable } from "./atomic.ts";
export { ChangeLog, exitOf, type PendingChange, readChanges } from "./changes.ts";
export { ContainerLayout, rotatedLog, StateLayout } from "./layout.ts";
export * from "./records.ts";
