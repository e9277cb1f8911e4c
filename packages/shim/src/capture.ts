/**
 * Output capture for processes started without stdout/stderr paths: the shim pumps the runtime's pipes into a
 * log file it rotates at a size bound (current file plus one rotated file), so a container writing with nobody
 * reading never blocks and never fills the disk, also while berthd is down. Beside it, @berth/state's LogTimesWriter
 * records when each write began, for the logs route's timestamps and since.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { discardedLog, isDiscardedLog, LogTimesWriter, logTimesPath, rotatedLog } from "@berth/state";

export class RotatingLog {
  private fd: number;
  private size = 0;
  private readonly times: LogTimesWriter;
  private discarded = 0;
  /** Unlinks of rotated files still running (rotate): close waits for them. */
  private readonly unlinking = new Set<Promise<void>>();

  constructor(private readonly path: string, private readonly maxBytes: number) {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Rotated files a shim that died (a restarted container's earlier life) had not finished unlinking.
    for (const name of readdirSync(dir)) if (isDiscardedLog(path, join(dir, name))) this.discard(join(dir, name));
    this.fd = openSync(path, "a", 0o600);
    this.size = fstatSync(this.fd).size;
    this.times = new LogTimesWriter(logTimesPath(path), maxBytes);
  }

  write(chunk: Uint8Array): void {
    // A chunk larger than the bound (a pipe read on a loaded machine can be) goes in pieces of at most the bound,
    // newest last, so the two files keep its newest bytes as they would from smaller chunks.
    const pieces: Uint8Array[] = [];
    for (let end = chunk.length; end > 0 && pieces.length < 2; end -= this.maxBytes) {
      pieces.unshift(chunk.subarray(Math.max(0, end - this.maxBytes), end));
    }
    for (const data of pieces) {
      if (this.size + data.length > this.maxBytes) this.rotate();
      this.times.mark(this.size);
      for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off);
      this.size += data.length;
    }
  }

  /** Unlinks `path` on Bun's thread pool; close waits for it. A container's dir removed first leaves nothing to do. */
  private discard(path: string): void {
    const gone: Promise<void> = unlink(path).catch(() => {}).finally(() => this.unlinking.delete(gone));
    this.unlinking.add(gone);
  }

  /** Closes the files; resolves once the rotated files on their way out are gone. */
  async close(): Promise<void> {
    closeSync(this.fd);
    this.times.close();
    await Promise.all(this.unlinking);
  }

  /**
   * The old fd stays valid until the new file is open, so a failed rotation never leaves a stale fd. The previous
   * rotated file is renamed aside and unlinked on Bun's thread pool: freeing a file's pages is most of what a
   * rotation costs (renamed over, it halved the capture rate at 16 MiB files, measured), and the copy need not wait.
   */
  private rotate(): void {
    const rotated = rotatedLog(this.path);
    const aside = discardedLog(this.path, ++this.discarded);
    try {
      renameSync(rotated, aside);
      this.discard(aside);
    } catch {} // no rotated file yet (or it cannot be moved aside, and the rename below replaces it)
    renameSync(this.path, rotated);
    const fd = openSync(this.path, "w", 0o600);
    closeSync(this.fd);
    this.fd = fd;
    this.size = 0;
    this.times.rotate();
  }
}
