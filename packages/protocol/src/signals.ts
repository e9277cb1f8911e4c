/** Signal names and numbers (Linux x86_64), for requests that name a signal either way. */
import { constants } from "node:os";
import { BerthError, quote } from "./errors.ts";

const byName = constants.signals as Record<string, number>;

/** "SIGTERM", "TERM", "15" or 15 to 15; an unknown signal is invalid_argument. */
export function parseSignal(signal: string | number): number {
  if (typeof signal === "number" || /^\d+$/.test(signal)) {
    const n = Number(signal);
    if (Number.isInteger(n) && n >= 1 && n <= 64) return n;
  } else {
    const name = signal.toUpperCase();
    const n = byName[name.startsWith("SIG") ? name : `SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new BerthError("invalid_argument", `unknown signal ${quote(String(signal))}`);
}
