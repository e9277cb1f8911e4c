/** @berth/shim: berth-shim, one per container. The entry point is main.ts; this module only re-exports for tests. */
export { RotatingLog } from "./capture.ts";
export { Output } from "./output.ts";
export { ProcessIo } from "./stdio.ts";
