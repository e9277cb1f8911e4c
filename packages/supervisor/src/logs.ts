/**
 * Reading captured output (the shim's rotated log files, `<pid>.log.1` then `<pid>.log`): the last N lines, and
 * with follow, new bytes as they are written, across rotation (the old file, still open, is read to its end
 * before the new one), until the process's output has ended.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch } from "node:fs";
import { dirname } from "node:path";

const BLOCK = 64 * 1024;
/** inotify can miss a rename under load: also look every so often while following. */
const RECHECK_MS = 500;

export function hasLog(path: string): boolean {
  return existsSync(path) || existsSync(`${path}.1`);
}

export interface FollowOptions {
  tail?: number;
  follow: boolean;
  /** Resolves when no more output can come. */
  until: Promise<void>;
}

export function followLog(path: string, options: FollowOptions): ReadableStream<Uint8Array> {
  let fd: number | undefined;
  let offset = 0;
  let stop: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const files = [`${path}.1`, path].filter((p) => existsSync(p));
      for (const chunk of tailOf(files, options.tail)) controller.enqueue(chunk);
      if (!options.follow) return controller.close();
      fd = tryOpen(path);
      offset = fd === undefined ? 0 : fstatSync(fd).size;
      let done = false;
      const poll = () => {
        if (done) return;
        // Rotated: finish the old file through its fd, then continue from the start of the new one.
        const current = statSync(path, { throwIfNoEntry: false });
        if (fd !== undefined) offset = readFrom(fd, offset, controller);
        if (current && (fd === undefined || fstatSync(fd).ino !== current.ino)) {
          if (fd !== undefined) closeSync(fd);
          fd = tryOpen(path);
          offset = fd === undefined ? 0 : readFrom(fd, 0, controller);
        }
      };
      const watcher = watch(dirname(path), () => poll());
      const timer = setInterval(poll, RECHECK_MS);
      stop = () => {
        done = true;
        watcher.close();
        clearInterval(timer);
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      };
      options.until.then(() => {
        poll();
        stop?.();
        try {
          controller.close();
        } catch {}
      });
    },
    cancel() {
      stop?.();
    },
  });
}

function tryOpen(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

/** Enqueues everything from `offset` to the end of `fd`; returns the new offset. */
function readFrom(fd: number, offset: number, controller: ReadableStreamDefaultController<Uint8Array>): number {
  for (;;) {
    const buf = new Uint8Array(BLOCK);
    const n = readSync(fd, buf, 0, BLOCK, offset);
    if (n <= 0) return offset;
    controller.enqueue(buf.subarray(0, n));
    offset += n;
  }
}

/** The contents of `files` (oldest first), or only their last `lines` lines, read backwards in blocks. */
function tailOf(files: string[], lines: number | undefined): Uint8Array[] {
  if (lines === 0) return [];
  const chunks: Uint8Array[] = [];
  let newlines = 0;
  let atEnd = true; // a final newline ends the last line; it does not start one more
  for (let i = files.length - 1; i >= 0; i--) {
    const fd = openSync(files[i]!, "r");
    try {
      let end = fstatSync(fd).size;
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
