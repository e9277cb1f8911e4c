/**
 * A process's output as the shim reads it (runtime pipes without a client path, or the pty master): each chunk
 * goes to one sink (the rotated capture log, or the client's FIFO for a terminal) and to every attached
 * listener. `done` resolves when every source has ended, which for a pipe means every holder closed it.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { RotatingLog } from "./capture.ts";

export type OutputListener = { data(chunk: Uint8Array): void; end(): void };

export interface OutputSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Writes to a client FIFO through a stream, so a client that stops reading never blocks the shim's loop. */
export function fdSink(fd: number): OutputSink {
  const stream: WriteStream = createWriteStream("", { fd, autoClose: false });
  stream.on("error", () => {});
  return { write: (chunk) => void stream.write(chunk), close: () => stream.end() };
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
    this.done = Promise.all(sources.map((s) => this.copy(s))).then(() => {
      this.ended = true;
      try {
        this.sink?.close();
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
