/**
 * Raw runc, the limit: no daemon, no shim. `runc run -d` creates and starts a detached container (its init is then
 * reparented, nobody waits for it); `runc run` in the foreground is runc as the init's parent, which reports the
 * exit status and deletes the container. Everything lives in a private runc root.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { must, run, sleep } from "../exec.ts";
import { spawn } from "../procs.ts";
import { pool } from "../load.ts";
import { sweep } from "../workdir.ts";
import { saveFile } from "./daemon.ts";
import type { Running, Target, Watched } from "./target.ts";

export class RuncTarget implements Target {
  readonly name = "runc" as const;
  readonly dir: string;
  readonly root: string;
  private readonly errors: string;
  private readonly pidDir: string;

  constructor(work: string) {
    this.dir = join(work, "runc");
    this.root = join(this.dir, "runc-root");
    this.errors = join(this.dir, "runc.stderr");
    this.pidDir = join(this.dir, "pids");
  }

  async setup(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.pidDir, { recursive: true });
  }

  private runc(...args: string[]): string[] {
    return ["runc", "--root", this.root, ...args];
  }

  /**
   * Spawns runc with the container's stdio on /dev/null and stderr appended to one file: a pipe would be held open
   * by the container, and runc's own errors land in that file too.
   */
  private spawn(argv: string[], stdout: "ignore" | number = "ignore"): Subprocess<"ignore", "ignore" | number, number> {
    const fd = openSync(this.errors, "a");
    try {
      return spawn(argv, { stdin: "ignore", stdout, stderr: fd });
    } finally {
      closeSync(fd);
    }
  }

  private failure(what: string, code: number): Error {
    const tail = existsSync(this.errors) ? readFileSync(this.errors, "utf8").trim().split("\n").slice(-2).join(" | ") : "";
    return new Error(`runc ${what}: exit ${code}: ${tail}`);
  }

  private pidFile(id: string): string {
    return join(this.pidDir, `${id}.pid`);
  }

  async create(id: string, bundle: string): Promise<Running> {
    const code = await this.spawn(this.runc("run", "--detach", "--pid-file", this.pidFile(id), "--bundle", bundle, id)).exited;
    if (code !== 0) throw this.failure(`run -d ${id}`, code);
    return { id, pid: Number(readFileSync(this.pidFile(id), "utf8")) };
  }

  /** runc in the foreground is the init's parent: it reports the exit and deletes the container. */
  async createWatched(id: string, bundle: string): Promise<Watched> {
    const pidFile = this.pidFile(id);
    const proc = this.spawn(this.runc("run", "--pid-file", pidFile, "--bundle", bundle, id));
    for (let delay = 1; !existsSync(pidFile); delay = Math.min(delay * 2, 10)) {
      if (proc.exitCode !== null) throw this.failure(`run ${id}`, proc.exitCode);
      await sleep(delay);
    }
    // runc writes the pid file whole (a temporary file renamed into place).
    return { id, pid: Number(readFileSync(pidFile, "utf8")), exited: proc.exited };
  }

  async runToExit(id: string, bundle: string): Promise<number> {
    return this.spawn(this.runc("run", "--bundle", bundle, id)).exited;
  }

  /** `runc run` in the foreground with the container's stdout straight into `path`: output with no copy in between. */
  async runToFile(id: string, bundle: string, path: string): Promise<number> {
    const fd = openSync(path, "w");
    try {
      return await this.spawn(this.runc("run", "--bundle", bundle, id), fd).exited;
    } finally {
      closeSync(fd);
    }
  }

  async signal(id: string, signal: number): Promise<void> {
    await must(this.runc("kill", id, String(signal)));
  }

  /** A detached container stays listed as stopped until deleted; a foreground one is deleted by its runc. */
  async remove(id: string): Promise<void> {
    await run(this.runc("delete", "--force", id));
  }

  async removeAll(): Promise<void> {
    const ids = (await run(this.runc("list", "-q"))).stdout.split("\n").filter(Boolean);
    await pool(ids.length, 16, (i) => run(this.runc("delete", "--force", ids[i]!)));
  }

  async listRunning(): Promise<Set<string>> {
    const list = JSON.parse((await must(this.runc("list", "--format", "json"))).stdout || "null") as { id: string; status: string }[] | null;
    return new Set((list ?? []).filter((c) => c.status === "running").map((c) => c.id));
  }

  processes(): { daemon?: number; monitors: number[] } {
    return { monitors: [] };
  }

  longLived(): number[] {
    return [];
  }

  async close(keepLogsIn?: string): Promise<void> {
    await this.removeAll().catch(() => {});
    if (keepLogsIn) saveFile(this.errors, keepLogsIn, "runc.stderr");
    const swept = await sweep(this.dir, { runcRoots: [this.root] });
    if (swept.left.length) throw new Error(`runc target left ${swept.left.join(", ")}`);
  }
}
