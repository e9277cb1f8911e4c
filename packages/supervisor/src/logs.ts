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
  // What is there already: byte ranges of the files, opened now (a rotation must not swap them), read as pulled.
  const initial = tailRanges([{ path: rotatedLog(path) }, { path, end: offset }], options.tail);
  let ended = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: Timer | undefined;
  const nudge = () => wake?.();
  const stop = () => {
    watcher?.close();
    clearInterval(timer);
    for (const range of initial.splice(0)) closeSync(range.fd);
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  /** The next block of what was there at the start; undefined once it has all been read. */
  const nextInitial = (): Uint8Array | undefined => {
    for (let range = initial[0]; range; range = initial[0]) {
      const chunk = range.start < range.end ? readAt(range.fd, range.start, range.end - range.start) : undefined;
      if (chunk) {
        range.start += chunk.length;
        return chunk;
      }
      closeSync(range.fd);
      initial.shift();
    }
    return undefined;
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
      const head = nextInitial();
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

/** Up to `max` bytes (one block at most) from `offset` of `fd`; undefined at its end. */
function readAt(fd: number, offset: number, max = BLOCK): Uint8Array | undefined {
  const buf = new Uint8Array(Math.min(max, BLOCK));
  const n = readSync(fd, buf, 0, buf.length, offset);
  return n > 0 ? buf.subarray(0, n) : undefined;
}

/** A part of an open file still to be sent: bytes [start, end). */
interface Range {
  fd: number;
  start: number;
  end: number;
}

/**
 * The ranges of `files` (oldest first, each up to `end`) that hold their last `lines` lines (everything without
 * `lines`). Only the positions are found here, reading backwards one reused block at a time; the bytes are read
 * when the client pulls them, so a reader costs one block whatever the size of the log.
 */
function tailRanges(files: { path: string; end?: number }[], lines: number | undefined): Range[] {
  const ranges: Range[] = [];
  if (lines === 0) return ranges;
  const buf = new Uint8Array(BLOCK);
  let newlines = 0;
  let atEnd = true; // a final newline ends the last line; it does not start one more
  for (let i = files.length - 1; i >= 0; i--) {
    const fd = tryOpen(files[i]!.path);
    if (fd === undefined) continue;
    const end = Math.min(files[i]!.end ?? Infinity, fstatSync(fd).size);
    ranges.unshift({ fd, start: 0, end });
    if (lines === undefined) continue;
    for (let blockEnd = end; blockEnd > 0; ) {
      const blockStart = Math.max(0, blockEnd - BLOCK);
      readSync(fd, buf, 0, blockEnd - blockStart, blockStart);
      for (let j = blockEnd - blockStart - 1; j >= 0; j--) {
        const last = atEnd;
        atEnd = false;
        if (buf[j] !== 10 || last) continue;
        if (++newlines >= lines) {
          ranges[0]!.start = blockStart + j + 1;
          return ranges;
        }
      }
      blockEnd = blockStart;
    }
  }
  return ranges;
}
