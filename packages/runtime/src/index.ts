/** @berth/runtime: the typed OCI runtime (runc) wrapper and its error type. */
export { classify, lastLogError, RuntimeError } from "./errors.ts";
export { render, Runc, type CreateOptions, type ExecOptions, type RuncConfig, type RuncState, type SpawnFn, type StdioPipes } from "./runc.ts";
