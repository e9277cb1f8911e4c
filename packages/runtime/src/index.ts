/** @berth/runtime: the typed OCI runtime (runc) wrapper and its error type. */
export { classify, type ErrorDialect, isNotFound, lastLogError, RUNC_DIALECT, RuntimeError } from "./errors.ts";
export { linuxResources } from "./resources.ts";
export {
  type CheckpointOptions, type CreateOptions, type CriuOptions, type ExecOptions, type LinuxResources, render, type RestoreOptions, Runc,
  type RuncConfig, type RuncState, type SpawnFn, type StdioPipes,
} from "./runc.ts";
export { BUNDLE_CONFIG_MAX_BYTES, readBundleConfig, readBundleConfigSync } from "./bundle.ts";
export { ClientFileError, kindOf, parseClientJson, readClientFile, readClientFileSync } from "./client-file.ts";
