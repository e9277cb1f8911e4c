/** How the dashboard writes numbers, times and exit statuses (pure functions, tested in format.test.ts). */

/** Linux signal names by number (1 to 31), for exit statuses 128+N and the signal form's suggestions. */
export const SIGNALS = [
  "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
  "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
  "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
] as const;

/** "1.5 KiB", "64.0 MiB": binary units, one decimal from KiB on. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** A duration in ms as its two largest units: "45s", "3m 12s", "2h 5m", "4d 1h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [[Math.floor(s / 86400), "d"], [Math.floor(s / 3600) % 24, "h"], [Math.floor(s / 60) % 60, "m"], [s % 60, "s"]];
  const first = parts.findIndex(([v]) => v > 0);
  if (first < 0) return "0s";
  return parts.slice(first, first + 2).filter(([v], i) => i === 0 || v > 0).map(([v, u]) => `${v}${u}`).join(" ");
}

/** An exit status as API.md defines it: "0", "137 (SIGKILL)" for 128+N, "255 (unknown)". */
export function exitStatus(status: number): string {
  if (status === 255) return "255 (unknown)";
  const name = status > 128 ? SIGNALS[status - 128] : undefined;
  return name ? `${status} (${name})` : String(status);
}

/** An RFC 3339 time as the browser's local date and time, to the second. */
export function localTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? rfc3339 : d.toLocaleString(undefined, { hour12: false });
}

/** Milliseconds since the epoch of an RFC 3339 time (the nanoseconds beyond ms are dropped). */
export function timeMs(rfc3339: string): number {
  return new Date(rfc3339).getTime();
}

/**
 * The events filter's `since`: RFC 3339 as it is, or a relative "30s", "10m", "2h", "1d" before `now`, as
 * RFC 3339; undefined when it is neither.
 */
export function sinceTime(input: string, now = Date.now()): string | undefined {
  const text = input.trim();
  const rel = /^(\d+)\s*([smhd])$/.exec(text);
  if (rel) return new Date(now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2] as "s"]).toISOString();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : undefined;
}

/** Drops terminal escape sequences (colours, cursor moves) and carriage returns from captured output. */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\r/g, "");
}
