/**
 * What commands print on stdout: lines, JSON and raw bytes. Every write is awaited, so nothing is lost when the
 * CLI exits right after, and a reader that has gone (EPIPE, as in `berth events | head`) ends the command.
 */

/** Writes bytes or text to stdout and resolves once they are written. */
export function write(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export const line = (text: string) => write(`${text}\n`);

/** A value as indented JSON: what the API answered. */
export const json = (value: unknown) => line(JSON.stringify(value, null, 2));

/** A value as one line of JSON, for streams (events, stats --watch). */
export const jsonLine = (value: unknown) => line(JSON.stringify(value));

export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
}

/** A message on stderr, prefixed like every message of the CLI. */
export function warn(message: string): void {
  process.stderr.write(`berth: ${message}\n`);
}
