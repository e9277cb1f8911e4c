/**
 * A process's output as the shim reads it (runtime pipes without a client path, or the pty master): each chunk
 * goes to one sink (the rotated capture log, or the client's FIFO for a terminal) and to every attached
 * listener. `done` resolves when every source has ended, which for a pipe means every holder closed it.
 */
import { write } from "node:fs";
import { RotatingLog } from "./capture.ts";

export type OutputListener = { data(chunk: Uint8Array): void; end(): void };

export interface OutputSink {
  write(chunk: Uint8Array): void;
  /** Flushes what is queued (if anything) and lets go of the destination. */
  close(): void | Promise<void>;
}

/** How much terminal output waits for a client FIFO nobody reads; past it, output is dropped (the pty never blocks). */
export const FIFO_SINK_MAX = 1 << 20;

/**
 * Writes all of `data` to a non-blocking fd, waiting out EAGAIN (a full pipe or pty) for at most `timeoutMs`.
 * Writes go through the fs pool, so an fd that could block would hold one of its few threads: never pass one.
 */
export async function writeAll(fd: number, data: Uint8Array, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let off = 0; off < data.length; ) {
    try {
      off += await new Promise<number>((resolve, reject) => write(fd, data, off, data.length - off, null, (err, n) => (err ? reject(err) : resolve(n))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > deadline) throw err;
      await Bun.sleep(5);
    }
  }
}

/** Terminal output to a client's FIFO (non-blocking fd): queued up to FIFO_SINK_MAX, written in order, flushed on close. */
export function fdSink(fd: number, onError: (err: unknown) => void): OutputSink {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let pumping: Promise<void> | undefined;
  const pump = async () => {
    while (queue.length > 0) {
      const chunk = queue.shift()!;
      queued -= chunk.length;
      await writeAll(fd, chunk, 60_000).catch(onError);
    }
    pumping = undefined;
  };
  return {
    write(chunk) {
      if (queued + chunk.length > FIFO_SINK_MAX) return; // nobody reads: drop rather than grow
      queue.push(chunk);
      queued += chunk.length;
      pumping ??= pump();
    },
    close: () => pumping,
  };
}

export function logSink(path: string, maxBytes: number): OutputSink {
  return new RotatingLog(path, maxBytes);
}

export class Output {
  private readonly listeners = new Set<OutputListener>();
  private ended = false;
  private sinkFailed = false;
  readonly done: Promise<void>;

  constructor(
    sources: AsyncIterable<Uint8Array>[],
    private readonly sink: OutputSink | undefined,
    private readonly onSinkError: (err: unknown) => void = () => {},
  ) {
    this.done = Promise.all(sources.map((s) => this.copy(s))).then(async () => {
      this.ended = true;
      try {
        await this.sink?.close();
      } catch (err) {
        this.onSinkError(err);
      }
      for (const l of this.listeners) l.end();
      this.listeners.clear();
    });
  }

  /** Whether the shim sees this process's output at all (it does not for client FIFOs without a terminal). */
  get observable(): boolean {
    return this.sink !== undefined;
  }

  /** Adds a listener for output from now on; returns the function that removes it. */
  attach(listener: OutputListener): () => void {
    if (this.ended) {
      listener.end();
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async copy(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of source) {
        try {
          this.sink?.write(chunk);
        } catch (err) {
          // A full disk must not stop the draining: the process would get SIGPIPE. The chunk is lost instead.
          if (!this.sinkFailed) this.onSinkError(err);
          this.sinkFailed = true;
        }
        for (const l of this.listeners) l.data(chunk);
      }
    } catch {
      // A pty master ends with EIO once the last slave holder closes: that is its EOF.
    }
  }
}
