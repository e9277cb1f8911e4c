/**
 * The event journal: append-only, one JSON event per line, each with its sequence number. An event is written
 * (one write(2) on an O_APPEND fd, so a SIGKILL right after loses nothing) before any subscriber sees it. The last
 * `retainCount` events are kept in memory for replay; when the file holds twice that, it is compacted to the
 * newest `retainCount` through a temp file and a rename. A torn or garbage line (a crash mid-write) is skipped and
 * counted, never fatal.
 *
 * An append is all or nothing: a failed or short write (a full disk) is cut off again with ftruncate and throws
 * `unavailable` naming the cause, so the next line never runs into a torn one and nothing unwritten is published.
 * A line may carry the shim change it came from (`"change": "<container>@<createdAt>#<n>"`, not part of the
 * public Event): after a crash between journaling a change and marking it, restore learns from it that the change
 * is already out.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { BerthError, type Event, nowRfc3339 } from "@berth/protocol";

export type NewEvent = Omit<Event, "seq" | "timestamp">;

export class Journal {
  private fd: number;
  private readonly events: Event[] = [];
  private linesInFile = 0;
  private lastSeq = 0;
  /** The change each retained event came from, by seq ("<instance>#<n>"). */
  private readonly changes = new Map<number, string>();
  /** Lines skipped at load because they did not parse as events (a torn or corrupt tail after a crash). */
  skippedLines = 0;

  constructor(private readonly path: string, private readonly retainCount: number) {
    if (retainCount < 1) throw new RangeError("retain count must be at least 1");
    if (existsSync(path)) {
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line) continue;
        this.linesInFile++;
        const event = parseEvent(line);
        if (!event || event.seq <= this.lastSeq) {
          this.skippedLines++;
          continue;
        }
        const { change, ...rest } = event as Event & { change?: string };
        if (typeof change === "string") this.changes.set(event.seq, change);
        this.events.push(rest);
        this.lastSeq = event.seq;
      }
      for (const e of this.events.splice(0, Math.max(0, this.events.length - retainCount))) this.changes.delete(e.seq);
    }
    this.fd = openSync(path, "a", 0o600);
    // A torn last line has no newline: start the next event on a line of its own.
    if (this.skippedLines > 0) writeSync(this.fd, "\n");
  }

  get size(): number {
    return this.events.length;
  }

  get nextSeq(): number {
    return this.lastSeq + 1;
  }

  /**
   * Assigns the next sequence number and a timestamp, and writes the event in one write(2), all or nothing.
   * `change` names the shim change it came from. Throws `unavailable` when the write fails (nothing is kept).
   */
  append(event: NewEvent, change?: string): Event {
    const full = { seq: this.lastSeq + 1, type: event.type, id: event.id, ...withoutUndefined(event), timestamp: nowRfc3339() } as Event;
    this.writeLine(JSON.stringify(change === undefined ? full : { ...full, change }) + "\n");
    this.lastSeq = full.seq;
    this.events.push(full);
    if (change !== undefined) this.changes.set(full.seq, change);
    this.linesInFile++;
    if (this.events.length > this.retainCount) this.changes.delete(this.events.shift()!.seq);
    if (this.linesInFile >= 2 * this.retainCount) {
      try {
        this.compact();
      } catch {
        // A full disk: the journal stays as it is (longer) and compaction is tried at the next append.
      }
    }
    return full;
  }

  /** The highest change number of `instance` ("<id>@<createdAt>") among the retained events; 0 if none. */
  lastChange(instance: string): number {
    let last = 0;
    for (const key of this.changes.values()) {
      const at = key.lastIndexOf("#");
      if (key.slice(0, at) === instance) last = Math.max(last, Number(key.slice(at + 1)));
    }
    return last;
  }

  /** Stored events in order, from the oldest retained. */
  stored(): readonly Event[] {
    return this.events;
  }

  close(): void {
    closeSync(this.fd);
  }

  private writeLine(line: string): void {
    const bytes = Buffer.from(line);
    const size = fstatSync(this.fd).size;
    try {
      const n = writeSync(this.fd, bytes);
      // A short write: the rest fails with the cause (ENOSPC), or goes through.
      if (n !== bytes.length && writeSync(this.fd, bytes.subarray(n)) !== bytes.length - n) throw new Error(`short write of ${bytes.length} bytes`);
    } catch (err) {
      try {
        ftruncateSync(this.fd, size);
      } catch {}
      throw new BerthError("unavailable", `journal event: ${(err as Error).message}`, { cause: err });
    }
  }

  private compact(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, this.events.map((e) => {
        const change = this.changes.get(e.seq);
        return JSON.stringify(change === undefined ? e : { ...e, change }) + "\n";
      }).join(""));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a", 0o600);
    this.linesInFile = this.events.length;
  }
}

function parseEvent(line: string): Event | undefined {
  try {
    const e = JSON.parse(line) as Event;
    if (Number.isInteger(e.seq) && e.seq > 0 && typeof e.type === "string" && typeof e.id === "string" && typeof e.timestamp === "string") return e;
  } catch {}
  return undefined;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
