/**
 * containerd 1.6 (Debian's package) as the peer: a private daemon (own config, socket, root and state dirs, the CRI
 * plugin disabled), driven by `ctr` in a namespace of this run, with the same OCI spec as the others (`--config`)
 * and a private runc root. Exits come from `ctr events`. Its shims put their sockets in /run/containerd/s (fixed
 * in containerd 1.6); those of this run are removed at close.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { must, run, sleep } from "../exec.ts";
import { ExitFeed, lines } from "../exits.ts";
import { pool } from "../load.ts";
import { kill, pidsWhere, spawn } from "../procs.ts";
import { sweep } from "../workdir.ts";
import { DaemonProcess } from "./daemon.ts";
import { whenListening } from "./subscriber.ts";
import { createWatched, type DaemonControl, type Running, type Subscription, type Target, type Watched } from "./target.ts";

const SHIM_SOCKET_DIR = "/run/containerd/s";

export function containerdInstalled(): boolean {
  return ["containerd", "ctr", "containerd-shim-runc-v2"].every((b) => Bun.which(b));
}

export class ContainerdTarget implements Target {
  readonly name = "containerd" as const;
  readonly dir: string;
  readonly socket: string;
  readonly namespace = `bench${process.pid}`;
  private readonly runcRoot: string;
  private readonly pidDir: string;
  private readonly daemonProcess: DaemonProcess;
  private readonly feed = new ExitFeed();
  private main: (Subscription & { pid: number }) | undefined;
  private readonly live = new Set<string>();
  private readonly made = new Set<string>();
  private probes = 0;

  constructor(work: string) {
    this.dir = join(work, "containerd");
    this.socket = join(this.dir, "containerd.sock");
    this.runcRoot = join(this.dir, "runc-root");
    this.pidDir = join(this.dir, "pids");
    this.daemonProcess = new DaemonProcess("containerd", ["containerd", "--config", join(this.dir, "config.toml")], join(this.dir, "containerd.log"));
  }

  async setup(): Promise<void> {
    mkdirSync(this.pidDir, { recursive: true });
    writeFileSync(join(this.dir, "config.toml"), [
      "version = 2",
      `root = "${this.dir}/root"`,
      `state = "${this.dir}/state"`,
      `disabled_plugins = ["io.containerd.grpc.v1.cri"]`,
      "[grpc]",
      `  address = "${this.socket}"`,
      "[ttrpc]",
      `  address = "${this.socket}.ttrpc"`,
      "[debug]",
      `  address = ""`,
      `  level = "warn"`,
      "[metrics]",
      `  address = ""`,
      `[plugins."io.containerd.internal.v1.opt"]`,
      `  path = "${this.dir}/opt"`,
      "",
    ].join("\n"));
    await this.startDaemon();
  }

  private ctr(...args: string[]): string[] {
    return ["ctr", "--address", this.socket, "--namespace", this.namespace, ...args];
  }

  private runArgs(id: string, bundle: string): string[] {
    return ["--null-io", "--config", join(bundle, "config.json"), "--runc-root", this.runcRoot, id];
  }

  async create(id: string, bundle: string): Promise<Running> {
    const pidFile = join(this.pidDir, `${id}.pid`);
    this.live.add(id);
    this.made.add(id);
    try {
      await must(this.ctr("run", "--detach", "--pid-file", pidFile, ...this.runArgs(id, bundle)));
    } catch (err) {
      await this.removeOne(id);
      throw err;
    }
    return { id, pid: Number(readFileSync(pidFile, "utf8")) };
  }

  createWatched(id: string, bundle: string): Promise<Watched> {
    return createWatched(this.feed, id, () => this.create(id, bundle));
  }

  /** `ctr run --rm`: create, start, wait, delete task and container; ctr exits with the container's status. */
  async runToExit(id: string, bundle: string): Promise<number> {
    this.made.add(id);
    const result = await run(this.ctr("run", "--rm", ...this.runArgs(id, bundle)));
    if (result.code !== 0 && result.stderr.includes("ctr:")) throw new Error(`ctr run ${id}: ${result.stderr.trim()}`);
    return result.code;
  }

  async signal(id: string, signal: number): Promise<void> {
    await must(this.ctr("task", "kill", "--signal", String(signal), id));
  }

  async remove(id: string): Promise<void> {
    await must(this.ctr("task", "delete", id));
    await must(this.ctr("container", "delete", id));
    this.live.delete(id);
  }

  private async removeOne(id: string): Promise<void> {
    await run(this.ctr("task", "delete", "--force", id));
    await run(this.ctr("container", "delete", id));
    this.live.delete(id);
  }

  async removeAll(): Promise<void> {
    const listed = (await run(this.ctr("container", "list", "--quiet"))).stdout.split("\n").filter(Boolean);
    const ids = [...new Set([...this.live, ...listed])];
    await pool(ids.length, 16, (i) => this.removeOne(ids[i]!));
  }

  async listRunning(): Promise<Set<string>> {
    const out = (await must(this.ctr("task", "list"))).stdout;
    return new Set(out.split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[2] === "RUNNING").map((f) => f[0]!));
  }

  processes(): { daemon?: number; monitors: number[] } {
    const daemon = this.daemonProcess.pid;
    return {
      ...(daemon ? { daemon } : {}),
      monitors: pidsWhere((argv) => argv[0]!.endsWith("containerd-shim-runc-v2") && argv.includes(this.socket)),
    };
  }

  longLived(): number[] {
    return [this.daemonProcess.pid, this.main?.pid].filter((p): p is number => p !== undefined);
  }

  readonly daemon: DaemonControl = {
    kill: async () => {
      this.main?.close();
      await this.daemonProcess.stop("SIGKILL");
    },
    start: () => this.startDaemon(),
    // containerd loads its tasks before it serves.
    restored: async () => this.daemonProcess.running,
    eventMarker: () => undefined,
    subscribe: () => this.subscribe(new ExitFeed()),
  };

  private async startDaemon(): Promise<void> {
    await this.daemonProcess.start(async () => (await run(this.ctr("version"), { timeoutMs: 5000 })).code === 0);
    await run(this.ctr("namespaces", "create", this.namespace));
    this.main = await this.subscribe(this.feed);
  }

  /**
   * `ctr events` into `feed`. ctr says nothing once subscribed, so a namespace label change (an event of its own)
   * is made until the subscriber reports it.
   */
  private async subscribe(feed: ExitFeed): Promise<Subscription & { pid: number }> {
    const proc = spawn(["ctr", "--address", this.socket, "events"], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    let probed = false;
    (async () => {
      for await (const line of lines(proc.stdout)) {
        // 2026-11-28 21:13:26.676706203 +0000 UTC <namespace> <topic> <json>
        const m = /^\S+ \S+ \S+ \S+ (\S+) (\S+) (.*)$/.exec(line);
        if (!m || m[1] !== this.namespace) continue;
        if (m[2] === "/namespaces/update") probed = true;
        if (m[2] !== "/tasks/exit") continue;
        const event = JSON.parse(m[3]!) as { container_id: string; id: string; exit_status?: number };
        // The init's exit has the container's id; exec exits have their own.
        if (event.id === event.container_id) feed.push(event.container_id, event.exit_status ?? 0);
      }
      feed.close("ctr events ended");
    })();
    return whenListening(proc, feed, "ctr events", 10_000, () => probed, async () => {
      await run(this.ctr("namespaces", "label", this.namespace, "bench-probe", String(++this.probes)));
      await sleep(20);
    });
  }

  async close(keepLogsIn?: string): Promise<void> {
    if (this.daemonProcess.running) await this.removeAll().catch(() => {});
    this.main?.close();
    this.feed.close("containerd target closed");
    await this.daemonProcess.close(keepLogsIn);
    for (const pid of this.processes().monitors) kill(pid);
    // containerd 1.6 names a shim's socket sha256(<address>/<namespace>/<id>).
    for (const id of this.made) {
      const socket = join(SHIM_SOCKET_DIR, createHash("sha256").update(join(this.socket, this.namespace, id)).digest("hex"));
      if (existsSync(socket)) rmSync(socket, { force: true });
    }
    const swept = await sweep(this.dir, { runcRoots: [join(this.runcRoot, this.namespace)] });
    if (swept.left.length) throw new Error(`containerd target left ${swept.left.join(", ")}`);
  }
}
