/**
 * Reading captured output (the shim's rotated log files, `<pid>.log.1` then `<pid>.log`): the last N lines, and
 * with follow, new bytes as they are written, across rotation (the old file, still open, is read to its end
 * before the new one), until the process's output has ended. The stream is pulled: bytes are read from the file
 * only as fast as the client takes them, so a stalled reader costs no memory.
 *
 * With `timestamps` each line starts with the RFC 3339 time it was written and a space; with `since` only lines
 * written after that time are sent. Both read the shim's time index beside each log (@berth/state LogTimes):
 * every chunk read knows its file and offset, so each line start finds its time.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { BerthError, type LogsQuery, parseRfc3339Ns } from "@berth/protocol";
import { LogTimes, logTimesPath, rotatedLog } from "@berth/state";

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
  /** Start each line with the time it was written. */
  timestamps?: boolean;
  /** Only lines written after this time, in ms since the epoch. */
  sinceMs?: number;
}

/** The line options of a logs query: `timestamps`, and `since` (RFC 3339; 400 when it is not). */
export function logLines(query: LogsQuery): Pick<FollowOptions, "timestamps" | "sinceMs"> {
  const out: Pick<FollowOptions, "timestamps" | "sinceMs"> = {};
  if (query.timestamps) out.timestamps = true;
  if (query.since !== undefined) {
    const ns = parseRfc3339Ns(query.since);
    if (ns === undefined) throw new BerthError("invalid_argument", `since ${JSON.stringify(query.since.slice(0, 64))} is not an RFC 3339 time`);
    out.sinceMs = Number(ns) / 1e6;
  }
  return out;
}

/** Bytes read from a log, with where they were: the rotated file or the current one, and at which offset. */
interface Located {
  bytes: Uint8Array;
  rotated: boolean;
  offset: number;
}

export function followLog(path: string, options: FollowOptions): ReadableStream<Uint8Array> {
  // The current file is opened first: the tail ends where following starts, so no byte is skipped or repeated.
  let fd = tryOpen(path);
  let offset = fd === undefined ? 0 : fstatSync(fd).size;
  // What is there already: byte ranges of the files, opened now (a rotation must not swap them), read as pulled.
  // The current one is the fd following starts from; a rotation since it was opened makes it the rotated file,
  // which is then not read twice.
  const initial = tailRanges([{ path: rotatedLog(path), rotated: true }, { path, fd, end: offset, rotated: false }], options.tail);
  const stamping = options.timestamps || options.sinceMs !== undefined;
  const shape = stamping ? lineStamper(path, options) : (l: Located) => l.bytes;
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
  const nextInitial = (): Located | undefined => {
    for (let range = initial[0]; range; range = initial[0]) {
      const chunk = range.start < range.end ? readAt(range.fd, range.start, range.end - range.start) : undefined;
      if (chunk) {
        const at = range.start;
        range.start += chunk.length;
        return { bytes: chunk, rotated: range.rotated, offset: at };
      }
      closeSync(range.fd);
      initial.shift();
    }
    return undefined;
  };

  /** The next bytes written, following a rotation; undefined when there are none yet. */
  const next = (): Located | undefined => {
    if (fd !== undefined) {
      const chunk = readAt(fd, offset);
      if (chunk) {
        const at = offset;
        offset += chunk.length;
        // Read after a rotation, the old file's bytes are the rotated log's, and so are their times.
        const rotated = stamping && statSync(path, { throwIfNoEntry: false })?.ino !== fstatSync(fd).ino;
        return { bytes: chunk, rotated, offset: at };
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
      for (let head = nextInitial(); head; head = nextInitial()) {
        const bytes = shape(head);
        if (bytes.length) return controller.enqueue(bytes);
      }
      if (!options.follow) {
        stop();
        return controller.close();
      }
      for (;;) {
        const chunk = next();
        const bytes = chunk && shape(chunk);
        if (bytes?.length) return controller.enqueue(bytes);
        if (chunk) continue;
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

/**
 * The file open as `fd` opened again, a description of its own that can be closed apart. Never `path` again: after
 * a rotation that names another file, and reading both would repeat bytes (a missing range is a gap, not a repeat).
 */
function dupOf(fd: number): number | undefined {
  try {
    return openSync(`/proc/self/fd/${fd}`, "r");
  } catch {
    return undefined;
  }
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

/** A part of an open file still to be sent: bytes [start, end), of the rotated log or the current one. */
interface Range {
  fd: number;
  start: number;
  end: number;
  rotated: boolean;
}

/**
 * The ranges of `files` (oldest first, each up to `end`) that hold their last `lines` lines (everything without
 * `lines`). Only the positions are found here, reading backwards one reused block at a time; the bytes are read
 * when the client pulls them, so a reader costs one block whatever the size of the log.
 */
function tailRanges(files: { path: string; fd?: number; end?: number; rotated: boolean }[], lines: number | undefined): Range[] {
  const ranges: Range[] = [];
  if (lines === 0) return ranges;
  const buf = new Uint8Array(BLOCK);
  let newlines = 0;
  let atEnd = true; // a final newline ends the last line; it does not start one more
  const seen = new Set<number>();
  for (let i = files.length - 1; i >= 0; i--) {
    // Each range reads a dup of its file, so closing the ranges never closes the fd following goes on with.
    const given = files[i]!.fd;
    const fd = given === undefined ? tryOpen(files[i]!.path) : dupOf(given);
    if (fd === undefined) continue;
    const inode = fstatSync(fd).ino;
    if (seen.has(inode)) {
      closeSync(fd); // rotated since the newer one was opened: the same file, already in a range
      continue;
    }
    seen.add(inode);
    const end = Math.min(files[i]!.end ?? Infinity, fstatSync(fd).size);
    ranges.unshift({ fd, start: 0, end, rotated: files[i]!.rotated });
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

/**
 * Turns located chunks into lines with their times: a time prefix at each line start (timestamps), and the lines
 * written at or before `sinceMs` dropped. A line's time is found by its first byte; a line read in two chunks keeps
 * the decision made at its start.
 */
function lineStamper(path: string, options: FollowOptions): (chunk: Located) => Uint8Array {
  const indexes = { current: new LogTimes(logTimesPath(path)), rotated: new LogTimes(rotatedLog(logTimesPath(path))) };
  const encoder = new TextEncoder();
  let atLineStart = true;
  let keep = true;
  return ({ bytes, rotated, offset }) => {
    const index = rotated ? indexes.rotated : indexes.current;
    const out: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (atLineStart) {
        const ms = index.at(offset + i) ?? 0;
        keep = options.sinceMs === undefined || ms > options.sinceMs;
        if (keep && options.timestamps) out.push(encoder.encode(`${msToRfc3339(ms)} `));
        atLineStart = false;
        from = i;
      }
      if (bytes[i] === 10) {
        if (keep) out.push(bytes.subarray(from, i + 1));
        atLineStart = true;
      }
    }
    if (!atLineStart && keep) out.push(bytes.subarray(from));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  };
}

/** Milliseconds since the epoch (with a fraction) as RFC 3339 with nanoseconds. */
function msToRfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = String(Math.round((ms - whole) * 1e6)).padStart(6, "0").slice(0, 6);
  return new Date(whole).toISOString().replace(/Z$/, `${nanos}Z`);
}
