/**
 * The event journal: append-only, one JSON event per line, each with its sequence number. An event is written
 * (one write(2) on an O_APPEND fd, so a SIGKILL right after loses nothing) before any subscriber sees it. The last
 * `retainCount` events are kept in memory for replay; when the file holds twice that, it is compacted to the
 * newest `retainCount` through a temp file and a rename. A torn or garbage line (a crash mid-write) is skipped and
 * counted, never fatal.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { type Event, nowRfc3339 } from "@berth/protocol";

export type NewEvent = Omit<Event, "seq" | "timestamp">;

export class Journal {
  private fd: number;
  private readonly events: Event[] = [];
  private linesInFile = 0;
  private lastSeq = 0;
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
        this.events.push(event);
        this.lastSeq = event.seq;
      }
      this.events.splice(0, Math.max(0, this.events.length - retainCount));
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

  /** Assigns the next sequence number and a timestamp, and writes the event. */
  append(event: NewEvent): Event {
    const full = { seq: this.lastSeq + 1, type: event.type, id: event.id, ...withoutUndefined(event), timestamp: nowRfc3339() } as Event;
    writeSync(this.fd, JSON.stringify(full) + "\n");
    this.lastSeq = full.seq;
    this.events.push(full);
    this.linesInFile++;
    if (this.events.length > this.retainCount) this.events.shift();
    if (this.linesInFile >= 2 * this.retainCount) this.compact();
    return full;
  }

  /** Stored events in order, from the oldest retained. */
  stored(): readonly Event[] {
    return this.events;
  }

  close(): void {
    closeSync(this.fd);
  }

  private compact(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, this.events.map((e) => JSON.stringify(e) + "\n").join(""));
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
