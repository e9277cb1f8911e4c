/**
 * Reading captured output (the shim's rotated log files, `<pid>.log.1` then `<pid>.log`): the last N lines, and
 * with follow, new bytes as they are written, across rotation (the old file, still open, is read to its end
 * before the new one), until the process's output has ended. The stream is pulled: bytes are read from the file
 * only as fast as the client takes them, so a stalled reader costs no memory.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { rotatedLog } from "@berth/state";

const BLOCK = 64 * 1024;
/** inotify can miss a rename under load: also look every so often while following. */
const RECHECK_MS = 500;

export function hasLog(path: string): boolean {
  return existsSync(path) || existsSync(rotatedLog(path));
}

export interface FollowOptions {
  tail?: number;
  follow: boolean;
  /** Resolves when no more output can come. */
  until: Promise<void>;
}

export function followLog(path: string, options: FollowOptions): ReadableStream<Uint8Array> {
  // The current file is opened first: the tail ends where following starts, so no byte is skipped or repeated.
  let fd = tryOpen(path);
  let offset = fd === undefined ? 0 : fstatSync(fd).size;
  const initial = tailOf([{ path: rotatedLog(path) }, { path, end: offset }], options.tail);
  let ended = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: Timer | undefined;
  const nudge = () => wake?.();
  const stop = () => {
    watcher?.close();
    clearInterval(timer);
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  /** The next bytes written, following a rotation; undefined when there are none yet. */
  const next = (): Uint8Array | undefined => {
    if (fd !== undefined) {
      const chunk = readAt(fd, offset);
      if (chunk) {
        offset += chunk.length;
        return chunk;
      }
    }
    const current = statSync(path, { throwIfNoEntry: false });
    if (current && (fd === undefined || fstatSync(fd).ino !== current.ino)) {
      if (fd !== undefined) closeSync(fd);
      fd = tryOpen(path);
      offset = 0;
      return fd === undefined ? undefined : next();
    }
    return undefined;
  };

  return new ReadableStream<Uint8Array>({
    start() {
      if (!options.follow) return;
      watcher = watch(dirname(path), nudge);
      timer = setInterval(nudge, RECHECK_MS);
      options.until.then(() => {
        ended = true;
        nudge();
      });
    },
    async pull(controller) {
      const head = initial.shift();
      if (head) return controller.enqueue(head);
      if (!options.follow) {
        stop();
        return controller.close();
      }
      for (;;) {
        const chunk = next();
        if (chunk) return controller.enqueue(chunk);
        if (ended) {
          stop();
          return controller.close();
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    cancel: stop,
  }, { highWaterMark: 0 });
}

function tryOpen(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

/** Up to one block from `offset` of `fd`; undefined at its end. */
function readAt(fd: number, offset: number): Uint8Array | undefined {
  const buf = new Uint8Array(BLOCK);
  const n = readSync(fd, buf, 0, BLOCK, offset);
  return n > 0 ? buf.subarray(0, n) : undefined;
}

/** The contents of `files` (oldest first, each up to `end`), or only their last `lines` lines, read backwards. */
function tailOf(files: { path: string; end?: number }[], lines: number | undefined): Uint8Array[] {
  if (lines === 0) return [];
  const chunks: Uint8Array[] = [];
  let newlines = 0;
  let atEnd = true; // a final newline ends the last line; it does not start one more
  for (let i = files.length - 1; i >= 0; i--) {
    const fd = tryOpen(files[i]!.path);
    if (fd === undefined) continue;
    try {
      let end = Math.min(files[i]!.end ?? Infinity, fstatSync(fd).size);
      while (end > 0) {
        const start = Math.max(0, end - BLOCK);
        const buf = new Uint8Array(end - start);
        readSync(fd, buf, 0, buf.length, start);
        if (lines !== undefined) {
          for (let j = buf.length - 1; j >= 0; j--) {
            const last = atEnd;
            atEnd = false;
            if (buf[j] !== 10 || last) continue;
            if (++newlines >= lines) {
              chunks.unshift(buf.subarray(j + 1));
              return chunks;
            }
          }
        }
        chunks.unshift(buf);
        end = start;
      }
    } finally {
      closeSync(fd);
    }
  }
  return chunks;
}
