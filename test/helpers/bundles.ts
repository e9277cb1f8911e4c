/** Per-test bundles: a config.json in a temp dir pointing at the shared busybox rootfs (scripts/bundle.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundleOptions, makeBundle } from "../../scripts/bundle.ts";

const made: string[] = [];

export function bundle(args: string[], options: Omit<BundleOptions, "args"> = {}): string {
  const dir = makeBundle(mkdtempSync(join(tmpdir(), "bb-")), { args, ...options });
  made.push(dir);
  return dir;
}

export function removeBundles(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let counter = 0;
/** A container id unique on this machine: pids wrap quickly here (pid_max 32768), so a random part makes it so. */
export function uid(prefix = "t"): string {
  return `${prefix}-${process.pid}-${++counter}-${crypto.randomUUID().slice(0, 8)}`;
}
