/**
 * When captured output was written: a time index beside each capture log (`<pid>.log.times` beside `<pid>.log`,
 * rotated with it to `.times.1`), so the logs route can stamp lines (`timestamps`) and skip old ones (`since`).
 *
 * The file is a sequence of 16-byte little-endian entries `{offset: u64, ms: f64}`: the byte offset in the log at
 * which a write began and when (milliseconds since the epoch, sub-millisecond). The shim appends an entry for a
 * write at least INTERVAL_MS after the previous entry, so a line's time is that of the last entry at or before
 * its first byte: never later than the write, at most INTERVAL_MS earlier. The file is bounded to a quarter of
 * the log's size bound: when it would pass that, every other entry is dropped (temp file and rename) and the
 * interval doubles, so a process that writes a byte at a time costs precision, never disk.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { rotatedLog } from "./layout.ts";

export const ENTRY_BYTES = 16;
/** The finest spacing of entries. */
export const INTERVAL_MS = 100;

/** The shim's side: appends entries as the log is written, rotates with it. One writer per index. */
export class LogTimesWriter {
  private fd: number;
  private entries: number;
  private last = -Infinity;
  private interval = INTERVAL_MS;
  private readonly maxEntries: number;

  constructor(private readonly path: string, logMaxBytes: number) {
    this.maxEntries = Math.max(64, Math.floor(logMaxBytes / 4 / ENTRY_BYTES));
    this.fd = openSync(path, "a", 0o600);
    this.entries = Math.floor(fstatSync(this.fd).size / ENTRY_BYTES);
  }

  /** A write to the log begins at `offset`, now. */
  mark(offset: number, now = performance.timeOrigin + performance.now()): void {
    if (now - this.last < this.interval) return;
    if (this.entries >= this.maxEntries) this.thin();
    const entry = Buffer.alloc(ENTRY_BYTES);
    entry.writeBigUInt64LE(BigInt(offset), 0);
    entry.writeDoubleLE(now, 8);
    writeSync(this.fd, entry);
    this.entries++;
    this.last = now;
  }

  /** The log was rotated: so is the index (the rotated log's offsets stay with `.times.1`). */
  rotate(): void {
    renameSync(this.path, rotatedLog(this.path));
    const fd = openSync(this.path, "w", 0o600);
    closeSync(this.fd);
    this.fd = fd;
    this.entries = 0;
    this.last = -Infinity;
    this.interval = INTERVAL_MS;
  }

  close(): void {
    closeSync(this.fd);
  }

  private thin(): void {
    const all = readFileSync(this.path);
    const kept = Buffer.alloc(Math.ceil(this.entries / 2) * ENTRY_BYTES);
    for (let i = 0, j = 0; i < this.entries; i += 2, j++) all.copy(kept, j * ENTRY_BYTES, i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES);
    writeFileSync(`${this.path}.tmp`, kept, { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a", 0o600);
    this.entries = kept.length / ENTRY_BYTES;
    this.interval *= 2;
  }
}

/** The reader's side: the index of one log file, read when needed; `at` answers for any offset. */
export class LogTimes {
  private offsets: number[] = [];
  private times: number[] = [];

  constructor(private readonly path: string) {
    this.reload();
  }

  /** Reads the index again (the shim may have appended since). */
  reload(): void {
    const data = existsSync(this.path) ? readFileSync(this.path) : Buffer.alloc(0);
    const n = Math.floor(data.length / ENTRY_BYTES);
    this.offsets = Array.from({ length: n }, (_, i) => Number(data.readBigUInt64LE(i * ENTRY_BYTES)));
    this.times = Array.from({ length: n }, (_, i) => data.readDoubleLE(i * ENTRY_BYTES + 8));
  }

  /** When the byte at `offset` was written (ms since the epoch), or undefined when the index does not say. */
  at(offset: number): number | undefined {
    if (!this.offsets.length || offset > this.offsets.at(-1)!) this.reload();
    let lo = 0;
    let hi = this.offsets.length - 1;
    if (hi < 0 || this.offsets[0]! > offset) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.times[lo];
  }
}
