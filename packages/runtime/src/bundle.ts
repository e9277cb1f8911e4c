/**
 * An OCI bundle's config.json as berthd and the shim read it: through client-file.ts (a regular file of at most
 * BUNDLE_CONFIG_MAX_BYTES, never a FIFO or a device, read without blocking), so a bundle whose config.json is a
 * FIFO or /dev/zero is refused at once (400) instead of stalling the daemon. What the file says is runc's business;
 * Berth reads only `process` and `linux.namespaces` from it.
 */
import { stat } from "node:fs/promises";
import { BerthError, quote } from "@berth/protocol";
import { ClientFileError, parseClientJson, readClientFile, readClientFileSync } from "./client-file.ts";

/** A runtime spec with a seccomp profile and many mounts is tens of KiB; 1 MiB leaves room. */
export const BUNDLE_CONFIG_MAX_BYTES = 1024 * 1024;

const configOf = (bundlePath: string) => `${bundlePath}/config.json`;

/** The bundle's config.json, parsed; invalid_argument saying what is wrong with the bundle or the file otherwise. */
export async function readBundleConfig<T>(bundlePath: string): Promise<T> {
  const dir = await stat(bundlePath).catch(() => undefined);
  if (!dir) throw new BerthError("invalid_argument", `bundle ${quote(bundlePath)} does not exist`);
  if (!dir.isDirectory()) throw new BerthError("invalid_argument", `bundle ${quote(bundlePath)} is not a directory`);
  const path = configOf(bundlePath);
  try {
    return parseClientJson<T>(path, await readClientFile(path, BUNDLE_CONFIG_MAX_BYTES));
  } catch (err) {
    if (!(err instanceof ClientFileError)) throw err;
    const what = err.errno === "ENOENT" || err.errno === "ENOTDIR" ? "has no config.json" : `config.json ${err.reason}`;
    throw new BerthError("invalid_argument", `bundle ${quote(bundlePath)} ${what}`, { cause: err });
  }
}

/** readBundleConfig for the shim; undefined when the file cannot be read safely. */
export function readBundleConfigSync<T>(bundlePath: string): T | undefined {
  const path = configOf(bundlePath);
  try {
    return parseClientJson<T>(path, readClientFileSync(path, BUNDLE_CONFIG_MAX_BYTES));
  } catch (err) {
    if (err instanceof ClientFileError) return undefined;
    throw err;
  }
}
