/**
 * Berth through its HTTP API: a private berthd (own state dir, unix socket, runc root), exits from its SSE stream.
 * What the API offers is read from its OpenAPI document, so routes other engineers add (DELETE, logs) are used
 * once they exist and not assumed before.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Event, readSse } from "@berth/protocol";
import { run } from "../exec.ts";
import { createWatched, ExitFeed } from "../exits.ts";
import { pool } from "../load.ts";
import { kill, pidsWhere } from "../procs.ts";
import { sweep } from "../workdir.ts";
import { DaemonProcess } from "./daemon.ts";
import type { DaemonControl, Running, Subscription, Target, Watched } from "./target.ts";

const REPO = resolve(import.meta.dir, "../../..");

export interface BerthOptions {
  /** Also listen on 127.0.0.1 (a free port), for HTTP load tools that cannot use a unix socket. */
  tcp?: boolean;
  /** berthd's --log-max-size. */
  logMaxSize?: string;
}

interface ApiContainer {
  id: string;
  status: string;
  pids: number[];
  processes?: { pid: string; systemPid: number }[];
}

export class BerthTarget implements Target {
  readonly name = "berth" as const;
  readonly dir: string;
  readonly stateDir: string;
  readonly socket: string;
  readonly runcRoot: string;
  /** "METHOD /path" of every route in berthd's OpenAPI document. */
  routes = new Set<string>();
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
  }

  private argv(): string[] {
    if (this.options.tcp) this.tcpUrl = `http://127.0.0.1:${freePort()}`;
    return [
      process.execPath, join(REPO, "packages/berthd/src/main.ts"),
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
    const doc = await this.json<{ paths?: Record<string, Record<string, unknown>> }>("GET", "/swagger/json").catch(() => undefined);
    for (const [path, methods] of Object.entries(doc?.body?.paths ?? {})) {
      for (const method of Object.keys(methods)) this.routes.add(`${method.toUpperCase()} ${path}`);
    }
  }

  has(route: string): boolean {
    return this.routes.has(route);
  }

  /** The bearer token TCP listeners want. */
  get token(): string {
    return readFileSync(join(this.stateDir, "api-token"), "utf8").trim();
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://localhost${path}`, { ...init, unix: this.socket } as RequestInit);
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | undefined }> {
    const res = await this.fetch(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
    const text = await res.text();
    let parsed: T | undefined;
    try {
      parsed = text ? (JSON.parse(text) as T) : undefined;
    } catch {}
    return { status: res.status, body: parsed };
  }

  async create(id: string, bundle: string, extra: Record<string, unknown> = {}): Promise<Running> {
    this.live.add(id);
    const res = await this.json<ApiContainer>("POST", "/v1/containers", { id, bundlePath: bundle, ...extra });
    if (res.status !== 201 || !res.body) {
      this.live.delete(id);
      throw new Error(`berth create ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    const pid = res.body.processes?.find((p) => p.pid === "init")?.systemPid ?? res.body.pids[0] ?? 0;
    return { id, pid };
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
    const res = await this.json("POST", `/v1/containers/${id}/signal`, { signal });
    if (res.status !== 204) throw new Error(`berth signal ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** An exited container is released by berthd itself; a DELETE route, once there, is used too. */
  async remove(id: string): Promise<void> {
    if (!this.has("DELETE /v1/containers/{id}")) return;
    const res = await this.json("DELETE", `/v1/containers/${id}`);
    if (res.status !== 204 && res.status !== 404) throw new Error(`berth delete ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }

  /**
   * Every container it made goes: through the API (DELETE ?force=true where berthd has it, else SIGKILL) and,
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
        const gone = this.has("DELETE /v1/containers/{id}")
          ? await this.json("DELETE", `/v1/containers/${id}?force=true`).then((r) => r.status === 204 || r.status === 404, () => false)
          : await this.signal(id, 9).then(() => true, () => false);
        if (gone && (await exited.then(() => true, () => false))) return void this.live.delete(id);
        this.feed.forget(id);
      }
      await this.forceRemove(id);
    });
  }

  /** For a container berthd does not know (not restored, or berthd is down): its shim, runc container and dir go. */
  private async forceRemove(id: string): Promise<void> {
    const dir = join(this.stateDir, "containers", id);
    for (const pid of pidsWhere((argv) => argv.includes(dir))) kill(pid);
    await run(["runc", "--root", this.runcRoot, "delete", "--force", id]);
    rmSync(dir, { recursive: true, force: true });
    this.live.delete(id);
  }

  /** Every container berthd lists, with its status. */
  async list(): Promise<Map<string, string>> {
    const res = await this.json<ApiContainer[]>("GET", "/v1/containers");
    if (res.status !== 200 || !Array.isArray(res.body)) throw new Error(`berth list: HTTP ${res.status}`);
    return new Map(res.body.map((c) => [c.id, c.status]));
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

  readonly daemon: DaemonControl = {
    kill: async () => {
      this.main?.close();
      await this.daemonProcess.stop("SIGKILL");
    },
    start: () => this.startDaemon(),
    restored: async () => {
      const res = await this.json<{ status: string; restoring?: boolean }>("GET", "/healthz");
      return res.status === 200 && res.body?.restoring !== true;
    },
    eventMarker: () => this.lastSeq,
    subscribe: (marker) => this.subscribe(new ExitFeed(), marker ?? 0),
  };

  private async startDaemon(): Promise<void> {
    await this.daemonProcess.start(async () => (await this.fetch("/healthz")).status === 200);
    this.main = await this.subscribe(this.feed, this.lastSeq);
  }

  /** Reads `/v1/events?after=N` into `feed`: every init exit, and the last seq seen. */
  private async subscribe(feed: ExitFeed, after: number): Promise<Subscription> {
    const controller = new AbortController();
    const res = await this.fetch(`/v1/events?after=${after}`, { signal: controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`berth events: HTTP ${res.status}`);
    const body = res.body;
    (async () => {
      try {
        for await (const message of readSse(body)) {
          const event = JSON.parse(message.data) as Event;
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
    await this.daemonProcess.stop("SIGTERM", 5000);
    if (keepLogsIn) this.daemonProcess.saveLog(keepLogsIn, "berthd.log");
    await sweep(this.dir);
  }
}

/** A TCP port free right now on 127.0.0.1. */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
