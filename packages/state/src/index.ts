/** @berth/state: the on-disk layout of the state dir and the records berthd and shims keep there. */
export { readJson, writeFileDurable } from "./atomic.ts";
export { ContainerLayout, StateLayout } from "./layout.ts";
export * from "./records.ts";
