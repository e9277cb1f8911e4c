/**
 * A berthd of the test's own: its own state dir, unix socket and TCP port, started as a real process. `stop`
 * ends berthd, and `cleanup` removes every container, shim and state dir it left, so a failing test leaks nothing.
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { type Container, type Event, readSse } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { isSameProcess, mountPoints, processExists, unmount } from "@berth/sys";
import { removeBundles } from "./bundles.ts";

export const REPO = resolve(import.meta.dir, "../..");

export interface DaemonOptions {
  args?: string[];
  stateDir?: string;
  /** Variables added to berthd's environment. */
  env?: Record<string, string>;
  /** What bun runs: berthd's source (the default) or its bundle, dist/berthd.js. */
  entry?: string;
}

export class Daemon {
  proc!: Subprocess<"ignore", "pipe", "pipe">;
  tcpUrl = "";
  private stderrLines: string[] = [];

  constructor(
    readonly stateDir: string,
    private readonly extraArgs: string[],
    private readonly env: Record<string, string> = {},
    private readonly entry = join(REPO, "packages/berthd/src/main.ts"),
  ) {}

  get socket(): string {
    return join(this.stateDir, "berth.sock");
  }

  static async start(options: DaemonOptions = {}): Promise<Daemon> {
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "bt-"));
    const daemon = new Daemon(stateDir, options.args ?? [], options.env, options.entry);
    await daemon.launch();
    return daemon;
  }

  /** Starts berthd on this state dir and waits until it listens. */
  async launch(): Promise<void> {
    this.stderrLines = [];
    this.proc = Bun.spawn([process.execPath, this.entry,
      "--state-dir", this.stateDir, "--listen", `unix://${this.socket}`, "--listen", "tcp://127.0.0.1:0", ...this.extraArgs], {
      stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...this.env },
    });
    const reader = this.proc.stderr.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`berthd exited before listening:\n${this.stderrLines.join("\n")}${buffered}`);
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        this.stderrLines.push(line);
        if (line.includes("berthd listening")) {
          this.tcpUrl = (JSON.parse(line) as { urls: string[] }).urls.find((u) => u.startsWith("http"))!.replace(/\/$/, "");
          // Keep draining so berthd never blocks on a full pipe.
          (async () => {
            for (;;) {
              const r = await reader.read().catch(() => ({ done: true, value: undefined }));
              if (r.done) return;
              this.stderrLines.push(...decoder.decode(r.value).split("\n").filter(Boolean));
            }
          })();
          return;
        }
      }
    }
  }

  get log(): string {
    return this.stderrLines.join("\n");
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://localhost${path}`, { ...init, unix: this.socket } as RequestInit);
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.fetch(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async create(id: string, bundlePath: string, extra: Record<string, unknown> = {}): Promise<Container> {
    const res = await this.json<Container>("POST", "/v1/containers", { id, bundlePath, ...extra });
    if (res.status !== 201) throw new Error(`create ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async signal(id: string, signal: string | number, pid = "init"): Promise<number> {
    return (await this.json("POST", `/v1/containers/${id}/signal`, { pid, signal })).status;
  }

  /** Opens the event stream with the given query; see EventStream. */
  events(query = "", headers: Record<string, string> = {}): EventStream {
    const controller = new AbortController();
    return new EventStream(this.fetch(`/v1/events${query ? `?${query}` : ""}`, { headers, signal: controller.signal }), controller);
  }

  /** SIGKILL (or another signal) to berthd, and wait for it to go. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.proc.kill(signal);
    await this.proc.exited;
  }

  /** Stops berthd and removes everything it or its containers left: shims, runc containers, the state dir. */
  async cleanup(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) await this.kill();
    await removeContainers(this.stateDir);
    // Image containers' overlays, should a failed test leave one: rm must never walk into a mounted root.
    for (const mount of mountsUnder(this.stateDir)) unmount(mount);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Kills each container's shim (checked by start time) and deletes the runc container, for every dir left. */
export async function removeContainers(stateDir: string): Promise<void> {
  const dir = join(stateDir, "containers");
  if (!existsSync(dir)) return;
  for (const id of readdirSync(dir)) {
    const shim = readShimRecord(new ContainerLayout(join(dir, id)));
    if (shim && isSameProcess(shim.pid, shim.startTime)) process.kill(shim.pid, "SIGKILL");
    await Bun.spawn(["runc", "delete", "--force", id], { stdout: "ignore", stderr: "ignore" }).exited;
  }
}

/** Mount points below `dir`. */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((m) => m.startsWith(`${dir}/`));
}

/** True while a process with this pid runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  if (!processExists(pid)) return false;
  try {
    return !/^State:\s+Z/m.test(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

export type StreamItem = { id: string; event: string; data: Event };

/** A Server-Sent Events reader: `next` waits for the next message, `until` collects up to a matching one. */
export class EventStream {
  private readonly items: StreamItem[] = [];
  private waiters: (() => void)[] = [];
  ended = false;
  status = 0;
  readonly ready: Promise<void>;

  constructor(response: Promise<Response>, private readonly controller: AbortController) {
    this.ready = response.then(async (res) => {
      this.status = res.status;
      if (!res.body || res.status !== 200) {
        this.ended = true;
        return;
      }
      this.pump(res.body);
    });
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const message of readSse(body)) {
        this.items.push({ id: message.id ?? "", event: message.event, data: JSON.parse(message.data) });
        this.wake();
      }
    } catch {}
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Every message received so far. */
  collected(): readonly StreamItem[] {
    return this.items;
  }

  /** Every message up to and including the first that matches; fails after `timeoutMs`. */
  async until(match: (item: StreamItem) => boolean, timeoutMs = 30_000): Promise<StreamItem[]> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.items.length; seen++) if (match(this.items[seen]!)) return this.items.slice(0, seen + 1);
      if (this.ended) throw new Error(`stream ended without a match; got ${JSON.stringify(this.items.map((i) => i.data))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.items.map((i) => i.data))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Waits for the stream to end by itself (storedOnly), and returns all it carried. */
  async all(timeoutMs = 30_000): Promise<StreamItem[]> {
    await this.ready;
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error("stream did not end");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.items;
  }

  close(): void {
    this.controller.abort();
  }
}

/** A WebSocket attach session: output collected as text, `until` waits for a substring. */
export class Attach {
  private text = "";
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      this.text += typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      for (const w of this.waiters.splice(0)) w();
    };
    this.opened = new Promise((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("attach failed"));
    });
    this.closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        resolve({ code: e.code, reason: e.reason });
        for (const w of this.waiters.splice(0)) w();
      };
    });
  }

  static open(d: Daemon, id: string, pid: string): Attach {
    return new Attach(new WebSocket(`ws+unix://${d.socket}:/v1/containers/${id}/processes/${pid}/attach`));
  }

  get output(): string {
    return this.text;
  }

  send(data: string): void {
    this.ws.send(new TextEncoder().encode(data));
  }

  async until(needle: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(needle)) {
      if (Date.now() > deadline || this.ws.readyState === WebSocket.CLOSED) throw new Error(`no ${JSON.stringify(needle)} in ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(deadline - Date.now(), 0));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.text;
  }
}

/** A berthd for the test file, handed to `use` before its tests and cleaned up with the file's bundles after them. */
export function useDaemon(use: (d: Daemon) => void, options: DaemonOptions = {}): void {
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    daemon = await Daemon.start(options);
    use(daemon);
  });
  afterAll(async () => {
    await daemon?.cleanup();
    removeBundles();
  });
}

/** Matches the exit event of process `pid` ("init" by default) of any container, or of container `id`. */
export function isExit(pid = "init", id?: string): (item: { data: Event }) => boolean {
  return (item) => item.data.type === "exit" && item.data.pid === pid && (id === undefined || item.data.id === id);
}
