/**
 * Berth through its HTTP API: a private berthd (own state dir, unix socket, runc root) driven with the CLI's typed
 * client (packages/cli), exits from its event stream.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BerthClient, endpoint } from "@berth/cli";
import { BerthError, type Container, type CreateContainer } from "@berth/protocol";
import { InstallLayout } from "@berth/state";
import { sweepCgroups } from "../cgroups.ts";
import { run } from "../exec.ts";
import { ExitFeed } from "../exits.ts";
import { pool } from "../load.ts";
import { kill, pidsWhere } from "../procs.ts";
import { sweep } from "../workdir.ts";
import { DaemonProcess } from "./daemon.ts";
import { createWatched, type DaemonControl, type Running, type Subscription, type Target, type Watched } from "./target.ts";

const install = InstallLayout.of(import.meta.dir);
/** berthd as scripts/start.sh runs it (the bundle setup builds), else its source. */
const berthd = existsSync(install.berthdBundle) ? install.berthdBundle : join(install.root, "packages/berthd/src/main.ts");

export interface BerthOptions {
  /** Also listen on 127.0.0.1 (a free port), for HTTP load tools that cannot use a unix socket. */
  tcp?: boolean;
  /** berthd's --log-max-size. */
  logMaxSize?: string;
}

/** Whether a failed call says the container is gone already (404). */
const notFound = (err: unknown) => err instanceof BerthError && err.code === "not_found";

export class BerthTarget implements Target {
  readonly name = "berth" as const;
  readonly dir: string;
  readonly stateDir: string;
  readonly socket: string;
  readonly runcRoot: string;
  readonly client: BerthClient;
  tcpUrl: string | undefined;
  private readonly daemonProcess: DaemonProcess;
  private readonly feed = new ExitFeed();
  private main: Subscription | undefined;
  private readonly live = new Set<string>();
  private lastSeq = 0;

  constructor(work: string, private readonly options: BerthOptions = {}) {
    this.dir = join(work, "berth");
    this.stateDir = join(this.dir, "state");
    this.socket = join(this.stateDir, "berth.sock");
    this.runcRoot = join(this.dir, "runc-root");
    this.feed.onExit((id) => this.live.delete(id));
    this.daemonProcess = new DaemonProcess("berthd", this.argv(), join(this.dir, "berthd.log"));
    this.client = new BerthClient(endpoint(`unix://${this.socket}`, join(this.stateDir, "api-token")));
  }

  private argv(): string[] {
    if (this.options.tcp) this.tcpUrl = `http://127.0.0.1:${freePort()}`;
    return [
      process.execPath, berthd,
      "--state-dir", this.stateDir,
      "--listen", `unix://${this.socket}`,
      ...(this.tcpUrl ? ["--listen", this.tcpUrl.replace("http://", "tcp://")] : []),
      `--runtime-args=--root=${this.runcRoot}`,
      ...(this.options.logMaxSize ? ["--log-max-size", this.options.logMaxSize] : []),
    ];
  }

  async setup(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true });
    await this.startDaemon();
  }

  /** The bearer token TCP listeners want. */
  get token(): string {
    return readFileSync(join(this.stateDir, "api-token"), "utf8").trim();
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://localhost${path}`, { ...init, unix: this.socket } as RequestInit);
  }

  async create(id: string, bundle: string, extra: Partial<CreateContainer> = {}): Promise<Running> {
    this.live.add(id);
    let c: Container;
    try {
      c = await this.client.create({ id, bundlePath: bundle, ...extra });
    } catch (err) {
      this.live.delete(id);
      throw new Error(`berth create ${id}: ${(err as Error).message}`);
    }
    return { id, pid: c.processes.find((p) => p.pid === "init")?.systemPid ?? c.pids[0] ?? 0 };
  }

  createWatched(id: string, bundle: string): Promise<Watched> {
    return createWatched(this.feed, id, () => this.create(id, bundle));
  }

  async runToExit(id: string, bundle: string): Promise<number> {
    const { exited } = await this.createWatched(id, bundle);
    const status = await exited;
    await this.remove(id);
    return status;
  }

  async signal(id: string, signal: number): Promise<void> {
    await this.client.signal(id, { signal });
  }

  /** An exited container is kept stopped until this DELETE, which answers once its cleanup is done (404: removed already). */
  async remove(id: string): Promise<void> {
    await this.client.remove(id, false).catch((err) => {
      if (!notFound(err)) throw err;
    });
  }

  /**
   * Every container it made goes: through the API (DELETE ?force=true) and,
   * for one berthd does not list (not restored, or berthd is down), by hand.
   */
  async removeAll(): Promise<void> {
    const ids = [...this.live];
    if (ids.length === 0) return;
    const listed = this.daemonProcess.running ? await this.list().catch(() => new Map<string, string>()) : new Map<string, string>();
    await pool(ids.length, 16, async (i) => {
      const id = ids[i]!;
      const status = listed.get(id);
      if (status !== undefined) {
        const exited = status === "stopped" ? Promise.resolve(0) : this.feed.wait(id, 15_000);
        exited.catch(() => {});
        const gone = await this.client.remove(id, true).then(() => true, notFound);
        if (gone && (await exited.then(() => true, () => false))) return void this.live.delete(id);
        this.feed.forget(id);
      }
      await this.forceRemove(id);
    });
  }

  /**
   * For a container berthd does not know (not restored, or berthd is down): its shim (which names its dir), what
   * runs in its cgroups, its runc container, its cgroups and its dir go, in that order.
   */
  private async forceRemove(id: string): Promise<void> {
    const dir = join(this.stateDir, "containers", id);
    for (const pid of pidsWhere((argv) => argv.includes(dir))) kill(pid);
    await sweepCgroups((name) => name === id);
    await run(["runc", "--root", this.runcRoot, "delete", "--force", id], { timeoutMs: 30_000 });
    await sweepCgroups((name) => name === id);
    rmSync(dir, { recursive: true, force: true });
    this.live.delete(id);
  }

  /** Every container berthd lists, with its status. */
  async list(): Promise<Map<string, string>> {
    return new Map((await this.client.containers()).map((c) => [c.id, c.status]));
  }

  async listRunning(): Promise<Set<string>> {
    return new Set([...(await this.list())].filter(([, status]) => status === "running").map(([id]) => id));
  }

  processes(): { daemon?: number; monitors: number[] } {
    const containers = join(this.stateDir, "containers") + "/";
    const daemon = this.daemonProcess.pid;
    return {
      ...(daemon ? { daemon } : {}),
      // A shim's last argument is its container dir; runc calls the shim makes also name files there.
      monitors: pidsWhere((argv) => argv.at(-1)!.startsWith(containers) && !/(^|\/)runc$/.test(argv[0]!)),
    };
  }

  longLived(): number[] {
    return this.daemonProcess.pid ? [this.daemonProcess.pid] : [];
  }

  readonly daemon: DaemonControl = {
    kill: async () => {
      this.main?.close();
      await this.daemonProcess.stop("SIGKILL");
    },
    start: () => this.startDaemon(),
    restored: async () => {
      const res = await this.fetch("/healthz");
      return res.status === 200 && (await res.json() as { restoring?: boolean }).restoring !== true;
    },
    eventMarker: () => this.lastSeq,
    subscribe: (marker) => this.subscribe(new ExitFeed(), marker ?? 0),
  };

  private async startDaemon(): Promise<void> {
    await this.daemonProcess.start(async () => (await this.fetch("/healthz")).status === 200);
    this.main = await this.subscribe(this.feed, this.lastSeq);
  }

  /** Reads the event stream from `after` into `feed`: every init exit, and the last seq seen. */
  private async subscribe(feed: ExitFeed, after: number): Promise<Subscription> {
    const controller = new AbortController();
    // From `after`: replay closes any gap between the subscription and what happened before it.
    (async () => {
      try {
        for await (const event of this.client.events({ after }, controller.signal)) {
          if (feed === this.feed) this.lastSeq = Math.max(this.lastSeq, event.seq);
          if (event.type === "exit" && event.pid === "init") feed.push(event.id, event.status ?? 255);
        }
      } catch {}
    })();
    return { feed, close: () => controller.abort() };
  }

  async close(keepLogsIn?: string): Promise<void> {
    if (this.daemonProcess.running) await this.removeAll().catch(() => {});
    this.main?.close();
    this.feed.close("berth target closed");
    await this.daemonProcess.close(keepLogsIn);
    const swept = await sweep(this.dir, { runcRoots: [this.runcRoot] });
    if (swept.left.length) throw new Error(`berth target left ${swept.left.join(", ")}`);
  }
}

/** A TCP port free right now on 127.0.0.1. */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
