/** SerialQueue: runs async work one item at a time, in order. Each container has one; different containers never wait for each other. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get length(): number {
    return this.pending;
  }

  run<T>(work: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(work).finally(() => this.pending--);
    this.tail = result.catch(() => {});
    return result;
  }
}
