/** @berth/protocol: the API's schemas, the error type, the shim RPC framing and small shared conventions. */
export * from "./errors.ts";
export * from "./schemas.ts";
export * from "./create.ts";
export * from "./images.ts";
export * from "./processes.ts";
export * from "./operations.ts";
export * from "./lifecycle.ts";
export * from "./log.ts";
export * from "./session.ts";
export * from "./shim.ts";
export { SHIM_PROTOCOL_VERSION } from "./shim-version.ts";
export * from "./rpc.ts";
export { SerialQueue } from "./queue.ts";
export { parseSignal } from "./signals.ts";
export { readSse, type SseMessage } from "./sse.ts";
export { nowRfc3339, parseRfc3339Ns } from "./time.ts";
export { durationMs, sizeBytes } from "./units.ts";
