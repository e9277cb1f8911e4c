/** A daemon the bench starts (berthd, containerd): output to a log file, a readiness probe, kill by pid. */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Subprocess } from "bun";
import { sleep } from "../exec.ts";
import { spawn } from "../procs.ts";

export class DaemonProcess {
  private proc: Subprocess<"ignore", number, number> | undefined;

  constructor(readonly label: string, private readonly argv: string[], readonly logPath: string) {}

  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Spawns it and waits until `ready` says yes; fails with the log's tail if it exits or is not ready in time. */
  async start(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const fd = openSync(this.logPath, "a");
    try {
      this.proc = spawn(this.argv, { stdin: "ignore", stdout: fd, stderr: fd });
    } finally {
      closeSync(fd);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.label} exited during start-up: ${this.logTail()}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.label} not ready after ${timeoutMs} ms: ${this.logTail()}`);
      await sleep(5);
    }
  }

  /** Sends `signal` and waits for it to go; SIGKILL if it is still there after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = "SIGKILL", timeoutMs = 10_000): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    proc.kill(signal);
    const gone = await Promise.race([proc.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!gone) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }

  /** Stops it (SIGTERM, SIGKILL after 5 s) and keeps a copy of its log in `keepLogsIn`, under the log's own name. */
  async close(keepLogsIn?: string): Promise<void> {
    await this.stop("SIGTERM", 5000);
    if (keepLogsIn) saveFile(this.logPath, keepLogsIn, basename(this.logPath));
  }

  logTail(lines = 5): string {
    try {
      return readFileSync(this.logPath, "utf8").trim().split("\n").slice(-lines).join(" | ");
    } catch {
      return "(no log)";
    }
  }
}

/** Copies `path` (if it exists) to `dir/name`, for the logs a run keeps. */
export function saveFile(path: string, dir: string, name: string): void {
  if (!existsSync(path)) return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(path, join(dir, name));
}
