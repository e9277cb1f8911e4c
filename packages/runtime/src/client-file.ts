/**
 * Files a client points berthd at and berthd reads (a bundle's config.json, a checkpoint's config.json): read only
 * when they are regular files, at most `maxBytes` of them, and never in a way that can block. The file is opened
 * with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer), then fstat'ed through that same fd, so
 * what is checked is what is read: a FIFO, a device such as /dev/zero, a socket or a directory is refused before a
 * byte is read, and a file that grows past the bound while it is read is refused too. The async reader is for
 * berthd (its event loop never waits on the disk); the sync one for the shim, which reads the bundle once at start.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Why a client's file cannot be read; `reason` completes "<path> …" ("is a fifo, not a regular file"). */
export class ClientFileError extends Error {
  constructor(readonly path: string, readonly reason: string, readonly errno?: string) {
    super(`${path} ${reason}`);
  }
}

/** What a file is, for a message: "a directory", "a fifo", "a character device"… */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a fifo";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

function checkStat(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new ClientFileError(path, `is ${kindOf(st)}, not a regular file`);
  if (st.size > maxBytes) throw new ClientFileError(path, `is larger than ${maxBytes} bytes`);
}

function openError(path: string, err: unknown): ClientFileError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "does not exist" : code === "ENOTDIR" ? "is under something that is not a directory" : `cannot be opened (${code ?? String(err)})`;
  return new ClientFileError(path, reason, code);
}

const CHUNK = 64 * 1024;

/**
 * The bytes read so far, in CHUNK-sized buffers: reading goes on to the end of the file, not to the size fstat
 * gave (a file may grow, a /proc file says 0), and stops with an error once it passes the bound.
 */
class Chunks {
  private readonly list: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly path: string, private readonly maxBytes: number) {}

  /** A buffer for the next read. */
  next(): Uint8Array {
    this.list.push(new Uint8Array(CHUNK));
    return this.list.at(-1)!;
  }

  /** Counts the `n` bytes the last read put in its buffer; false at the end of the file. */
  add(n: number): boolean {
    this.list[this.list.length - 1] = this.list.at(-1)!.subarray(0, n);
    this.size += n;
    if (this.size > this.maxBytes) throw new ClientFileError(this.path, `is larger than ${this.maxBytes} bytes`);
    return n > 0;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.list, this.size);
  }
}

/** The content of the regular file at `path`, at most `maxBytes`; throws ClientFileError otherwise. */
export async function readClientFile(path: string, maxBytes: number): Promise<Uint8Array> {
  let file;
  try {
    file = await open(path, FLAGS);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    checkStat(path, await file.stat(), maxBytes);
    const chunks = new Chunks(path, maxBytes);
    while (chunks.add((await file.read(chunks.next(), 0, CHUNK)).bytesRead));
    return chunks.bytes();
  } finally {
    await file.close();
  }
}

/** readClientFile for a process that may block (the shim at start). */
export function readClientFileSync(path: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    checkStat(path, fstatSync(fd), maxBytes);
    const chunks = new Chunks(path, maxBytes);
    while (chunks.add(readSync(fd, chunks.next(), 0, CHUNK, null)));
    return chunks.bytes();
  } finally {
    closeSync(fd);
  }
}

/** Parses a client file's bytes as JSON; ClientFileError when they are not JSON. */
export function parseClientJson<T>(path: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new ClientFileError(path, "is not valid JSON");
  }
}
