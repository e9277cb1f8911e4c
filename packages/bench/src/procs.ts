/** Processes from /proc: finding the ones a run started by their command line, liveness, and killing by pid. */
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "./exec.ts";

/** Pids whose argv matches; never this process, never a zombie (its argv reads empty). */
export function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmdline && match(cmdline.replace(/\0$/, "").split("\0"))) found.push(pid);
  }
  return found;
}

/** Pids whose command line (arguments joined by spaces) contains `needle`. */
export function pidsWithArg(needle: string): number[] {
  return pidsWhere((argv) => argv.join(" ").includes(needle));
}

/** True while the process runs; a zombie counts as gone. */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

export function kill(pid: number, signal: NodeJS.Signals | number = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

/** Waits until the process is gone (or a zombie); false after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; alive(pid); delay = Math.min(delay * 2, 20)) {
    if (Date.now() > deadline) return false;
    await sleep(delay);
  }
  return true;
}
