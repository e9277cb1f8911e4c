/**
 * Exit notifications, whatever their source (Berth's SSE stream, `ctr events`): a feed that pairs each container's
 * exit with whoever waits for it, whether the exit comes before or after the wait starts.
 */

export class ExitFeed {
  private readonly early = new Map<string, number>();
  private readonly waiters = new Map<string, { resolve: (status: number) => void; reject: (err: Error) => void }>();
  private readonly listeners: ((id: string, status: number) => void)[] = [];
  private closed: Error | undefined;

  /** Called by the source for every init exit. */
  push(id: string, status: number): void {
    for (const l of this.listeners) l(id, status);
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter.resolve(status);
    } else {
      this.early.set(id, status);
    }
  }

  onExit(listener: (id: string, status: number) => void): void {
    this.listeners.push(listener);
  }

  /** The exit status of `id`, once the source reports it; fails after `timeoutMs` or when the source ends. */
  wait(id: string, timeoutMs = 60_000): Promise<number> {
    const status = this.early.get(id);
    if (status !== undefined) {
      this.early.delete(id);
      return Promise.resolve(status);
    }
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no exit of ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, {
        resolve: (s) => (clearTimeout(timer), resolve(s)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  /** Stops waiting for `id` (e.g. its create failed); a later exit is kept as early. */
  forget(id: string): void {
    this.waiters.get(id)?.reject(new Error(`stopped waiting for ${id}`));
    this.waiters.delete(id);
  }

  /** The source ended: every waiter fails. */
  close(reason: string): void {
    this.closed = new Error(reason);
    for (const [, w] of this.waiters) w.reject(this.closed);
    this.waiters.clear();
  }
}

/** Lines of a byte stream, as they arrive. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
    }
  }
  if (buffer) yield buffer;
}
