/**
 * Paths a client asks berthd to have written or read on its behalf (stdio paths of a create or an exec, a
 * checkpointDir), checked before anything is written: resolved first (symlinks included), then refused with 400
 * when they land inside berthd's own state dir (its journal, token, container records: a process printing
 * into events.jsonl or over api-token must not be able to forge events or lock clients out), or, for stdio, on
 * anything but a FIFO, a regular file or /dev/null. A missing stdout/stderr file is created by the shim (as a
 * regular file, mode 0640), like `docker run > file` would, provided its directory exists and the path is not a
 * symlink to nothing; a missing stdin is refused. The check is made when the request arrives; whoever can change
 * the paths between that check and the shim's open is root on the host anyway.
 */
import type { Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BerthError, quote } from "@berth/protocol";
import { kindOf } from "@berth/runtime";

export interface StdioPaths {
  stdin?: string;
  stdout?: string;
  stderr?: string;
}

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

function refuse(what: string, path: string, reason: string): BerthError {
  return new BerthError("invalid_argument", `${what} ${quote(path)} ${reason}`);
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** `path` resolved: its real path, with its stat when it exists; a missing last component is allowed. */
async function resolve(what: string, path: string): Promise<{ real: string; st?: Stats }> {
  try {
    const real = await realpath(path);
    return { real, st: await stat(real) };
  } catch (err) {
    if (errnoOf(err) !== "ENOENT") throw refuse(what, path, `cannot be resolved (${errnoOf(err)})`);
  }
  if (await lstat(path).then(() => true, () => false)) throw refuse(what, path, "is a symlink to nothing");
  const dir = await realpath(dirname(path)).catch(() => undefined);
  if (!dir) throw refuse(what, path, "is in a directory that does not exist");
  return { real: join(dir, basename(path)) };
}

/** Refuses (400) stdio paths that lead into `stateDir`, are not a FIFO, a regular file or /dev/null, or (stdin) are missing. */
export async function checkStdioPaths(paths: StdioPaths, stateDir: string): Promise<void> {
  const own = await realpath(stateDir);
  for (const name of ["stdin", "stdout", "stderr"] as const) {
    const path = paths[name];
    if (path === undefined) continue;
    const { real, st } = await resolve(name, path);
    if (isInside(real, own)) throw refuse(name, path, "leads into berthd's own state dir");
    if (!st) {
      if (name === "stdin") throw refuse(name, path, "does not exist");
      continue;
    }
    if (st.isFIFO() || st.isFile() || (real === "/dev/null" && st.isCharacterDevice())) continue;
    throw refuse(name, path, `is ${kindOf(st)}: only a FIFO, a regular file or /dev/null will do`);
  }
}

/** Refuses (400) a checkpoint dir that leads into `stateDir`, or that exists (or has a parent that exists) as something other than a directory. */
export async function checkCheckpointDir(dir: string, stateDir: string): Promise<void> {
  const own = await realpath(stateDir);
  const missing: string[] = [];
  let existing = dir;
  let real: string;
  for (;;) {
    try {
      real = await realpath(existing);
      break;
    } catch (err) {
      // ENOTDIR: a level of it is a file; walking up finds it and says so below.
      const code = errnoOf(err);
      if ((code !== "ENOENT" && code !== "ENOTDIR") || existing === "/") throw refuse("checkpointDir", dir, `cannot be resolved (${code})`);
      missing.unshift(basename(existing));
      existing = dirname(existing);
    }
  }
  if (isInside(join(real, ...missing), own)) throw refuse("checkpointDir", dir, "leads into berthd's own state dir");
  const st = await stat(real);
  if (!st.isDirectory()) throw refuse("checkpointDir", dir, missing.length ? `is under ${quote(existing)}, which is ${kindOf(st)}` : `is ${kindOf(st)}, not a directory`);
}
