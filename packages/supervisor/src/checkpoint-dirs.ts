/**
 * The directories of checkpoints on disk, made and removed so that Berth only ever removes what it made. A create
 * makes each missing level of `<checkpointDir>/<name>` itself and, when the checkpoint fails, removes exactly
 * those again (deepest first, and only while empty). Each checkpoint dir Berth makes holds a marker file,
 * MARKER, whose content is the checkpoint's name; listing shows and delete removes only marked dirs (a real
 * directory, not a symlink), so `DELETE ?checkpointDir=/some/dir` can never remove a directory Berth did not make.
 * A checkpoint's config.json is read like any file a client points at (@berth/runtime client-file.ts).
 */
import { mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Checkpoint } from "@berth/protocol";
import { ClientFileError, parseClientJson, readClientFile } from "@berth/runtime";

/** The marker file in every checkpoint dir Berth made. */
export const MARKER = ".berth-checkpoint";
/** A checkpoint's config.json is a few hundred bytes. */
const CONFIG_MAX_BYTES = 64 * 1024;

/**
 * Makes `dir` and each missing parent, and returns the dirs it made, outermost first. On failure it removes what
 * it made and rethrows (EEXIST when `dir` itself was there already).
 */
export function makeDirs(dir: string, mode = 0o700): string[] {
  const made: string[] = [];
  const make = (path: string): void => {
    try {
      mkdirSync(path, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || dirname(path) === path) throw err;
      make(dirname(path));
      mkdirSync(path, { mode });
    }
    made.push(path);
  };
  try {
    make(dir);
  } catch (err) {
    removeDirs(made);
    throw err;
  }
  return made;
}

/** Removes `made` (from makeDirs), deepest first, each only if it is empty by now. */
export function removeDirs(made: string[]): void {
  for (const path of made.toReversed()) {
    try {
      rmdirSync(path);
    } catch {}
  }
}

/** Marks `path` as the checkpoint `name` Berth made. */
export function markOwn(path: string, name: string): void {
  writeFileSync(join(path, MARKER), name, { mode: 0o600 });
}

/** Whether `path` is a real directory holding Berth's marker for the checkpoint `name`. */
export async function isOwn(path: string, name: string): Promise<boolean> {
  const dir = await lstat(path).catch(() => undefined);
  if (!dir?.isDirectory()) return false;
  const marker = await readClientFile(join(path, MARKER), 256).catch(() => undefined);
  return marker !== undefined && new TextDecoder().decode(marker) === name;
}

/** The Checkpoint in `<path>/config.json`, or undefined when there is none (or not a readable, sensible one). */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  const file = join(path, "config.json");
  try {
    const checkpoint = parseClientJson<Checkpoint>(file, await readClientFile(file, CONFIG_MAX_BYTES));
    return typeof checkpoint?.name === "string" && typeof checkpoint.created === "string" ? checkpoint : undefined;
  } catch (err) {
    if (err instanceof ClientFileError) return undefined;
    throw err;
  }
}
