/**
 * Progress of long operations on stderr, shown only when stderr is a terminal: one line redrawn in place, cleared
 * (or left with a summary) at the end. Quick operations show nothing.
 */
const SPINNER = "|/-\\";
const SHOW_AFTER_MS = 300;

export class Progress {
  private shown = false;

  constructor(readonly enabled = Boolean(process.stderr.isTTY)) {}

  update(text: string): void {
    if (!this.enabled) return;
    process.stderr.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  /** Clears the line, or leaves `summary` in its place. */
  done(summary?: string): void {
    if (!this.shown) return;
    process.stderr.write(summary ? `\r\x1b[K${summary}\n` : "\r\x1b[K");
    this.shown = false;
  }
}

/** Shows "<text> (Ns)" with a spinner while `work` runs. */
export async function waiting<T>(text: string, work: Promise<T>): Promise<T> {
  const progress = new Progress();
  if (!progress.enabled) return work;
  const started = Date.now();
  let frame = 0;
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed >= SHOW_AFTER_MS) progress.update(`${SPINNER[frame++ % SPINNER.length]} ${text} (${Math.floor(elapsed / 1000)}s)`);
  }, 100);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    progress.done();
  }
}
