/**
 * A container's change log, `<container>/changes.jsonl`: every event of the container as the shim recorded it,
 * one Change per line, numbered from 1. It is the truth on disk (DESIGN.md invariant 1): a change is written and
 * fdatasync'd before anyone is told of it; berthd reads it after a shim's death or a restart.
 *
 * An append is all or nothing: a failed or short write(2) (ENOSPC, EIO) is cut off again with ftruncate, so the
 * next line never runs into a torn one; the change stays queued and is tried again with a back-off of 10 ms
 * doubling to 1 s until it is written. Changes are written in order; a later one never overtakes a stuck one.
 * A torn last line (a crash mid-write) is skipped by the reader.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { BerthError, type Change, nowRfc3339 } from "@berth/protocol";

const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 1000;

/** A change being written: `written` settles once it is durable (never rejects: the log keeps trying). */
export interface PendingChange {
  change: Change;
  written: Promise<void>;
  /** Settles after the first attempt: rejects with `unavailable` (naming the cause) if it failed. */
  firstAttempt: Promise<void>;
}

export class ChangeLog {
  private readonly changes: Change[];
  private readonly queue: { change: Change; done: () => void; tried: (err?: Error) => void }[] = [];
  private fd: number | undefined;
  private retryMs = RETRY_FIRST_MS;
  private timer: Timer | undefined;
  /** The last write error, while one is outstanding. */
  lastError: Error | undefined;

  /**
   * @param path the log file; its changes so far are read at once
   * @param onWritten called with each change once it is durable, in order
   */
  constructor(private readonly path: string, private readonly onWritten: (change: Change) => void = () => {}) {
    this.changes = readChanges(path);
  }

  /** Every change written or queued, in order. */
  get all(): readonly Change[] {
    return this.changes;
  }

  get last(): number {
    return this.changes.at(-1)?.change ?? 0;
  }

  /** Changes numbered above `after`, written ones only. */
  after(after: number): Change[] {
    const queued = new Set(this.queue.map((q) => q.change));
    return this.changes.filter((c) => c.change > after && !queued.has(c));
  }

  /** Numbers the change and queues it for writing; `extra` carries an exit's status or a start's host pid. */
  append(type: Change["type"], pid: string, extra: Pick<Change, "status" | "systemPid"> = {}): PendingChange {
    const change: Change = { change: this.last + 1, type, pid, ...extra, at: nowRfc3339() };
    this.changes.push(change);
    let done!: () => void;
    let tried!: (err?: Error) => void;
    const written = new Promise<void>((resolve) => (done = resolve));
    const firstAttempt = new Promise<void>((resolve, reject) => (tried = (err) => (err ? reject(err) : resolve())));
    firstAttempt.catch(() => {}); // a caller that does not look at it must not see an unhandled rejection
    this.queue.push({ change, done, tried });
    if (this.queue.length === 1 && !this.timer) this.flush();
    return { change, written, firstAttempt };
  }

  /** Resolves once everything queued so far is durable. */
  async flushed(): Promise<void> {
    const last = this.queue.at(-1);
    if (last) await new Promise<void>((resolve) => {
      const done = last.done;
      last.done = () => (done(), resolve());
    });
  }

  close(): void {
    clearTimeout(this.timer);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        this.write(JSON.stringify(head.change) + "\n");
      } catch (err) {
        this.lastError = err as Error;
        head.tried(new BerthError("unavailable", `record ${head.change.type} of ${head.change.pid}: ${(err as Error).message}; retrying`));
        head.tried = () => {};
        this.timer = setTimeout(() => this.flush(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        return;
      }
      this.queue.shift();
      this.lastError = undefined;
      this.retryMs = RETRY_FIRST_MS;
      head.tried();
      head.done();
      this.onWritten(head.change);
    }
  }

  /** One line, all or nothing. */
  private write(line: string): void {
    this.fd ??= openTrimmed(this.path);
    const size = fstatSync(this.fd).size;
    const bytes = Buffer.from(line);
    try {
      const n = writeSync(this.fd, bytes);
      // A short write: the rest fails with the cause (ENOSPC), or goes through.
      if (n !== bytes.length && writeSync(this.fd, bytes.subarray(n)) !== bytes.length - n) throw new Error(`short write of ${bytes.length} bytes`);
      fdatasyncSync(this.fd);
    } catch (err) {
      try {
        ftruncateSync(this.fd, size);
      } catch {}
      throw err;
    }
  }
}

/** Opens the log for appending, first cutting off a torn last line (a crash mid-write) so no line runs into it. */
function openTrimmed(path: string): number {
  const fd = openSync(path, "a+", 0o600);
  const text = readFileSync(fd, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
  return fd;
}

/** The changes in a change log, skipping a torn or garbled line; [] when there is none. */
export function readChanges(path: string): Change[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const out: Change[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const c = JSON.parse(line) as Change;
      if (Number.isInteger(c.change) && c.change === (out.at(-1)?.change ?? 0) + 1 && typeof c.type === "string") out.push(c);
    } catch {}
  }
  return out;
}

/**
 * The changes of the container's current life: from its last `start-container` on (a restart policy starts a new
 * init in the same container, so its log holds earlier lives); all of them before its first start.
 */
export function currentLife(changes: readonly Change[]): readonly Change[] {
  const start = changes.findLastIndex((c) => c.type === "start-container");
  return start < 0 ? changes : changes.slice(start);
}

/** The exit status `changes` have for `pid`, if they have one. */
export function exitOf(changes: readonly Change[], pid: string): number | undefined {
  return changes.find((c) => c.type === "exit" && c.pid === pid)?.status;
}
