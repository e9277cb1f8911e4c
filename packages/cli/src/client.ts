/**
 * A small typed client of berthd's HTTP API (docs/api.md), over a unix socket or TCP, with one method per route and
 * the shapes of @berth/protocol. A failed request throws BerthError with the API's code and message; a berthd
 * that cannot be reached is `unavailable`. The event stream resumes by itself when berthd cuts off a slow reader.
 */
import {
  type AddProcess, BerthError, type Checkpoint, type CheckpointQuery, type Container, type ContainerPatch,
  type CreateCheckpoint, type CreateContainer, type ErrorBody, type Event, type EventsQuery, type Image, isErrorCode,
  type LogsQuery, type Process, type ProcessPatch, readSse, type SignalRequest, type State, type Stats, type TopProcess,
  type Version, type WaitResult,
} from "@berth/protocol";
import type { Endpoint } from "./endpoint.ts";

/** Bun's WebSocket takes request headers (the bearer token); lib.dom's constructor type does not say so. */
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

const segment = encodeURIComponent;
const containerPath = (id: string) => `/v1/containers/${segment(id)}`;
const processPath = (id: string, pid: string) => `${containerPath(id)}/processes/${segment(pid)}`;

export class BerthClient {
  constructor(readonly endpoint: Endpoint) {}

  version = () => this.json<Version>("GET", "/v1/version");
  state = () => this.json<State>("GET", "/v1/state");
  containers = (all = false) => this.json<Container[]>("GET", all ? "/v1/containers?all=true" : "/v1/containers");
  container = (id: string) => this.json<Container>("GET", containerPath(id));
  create = (body: CreateContainer) => this.json<Container>("POST", "/v1/containers", { body });
  update = (id: string, body: ContainerPatch) => this.json<Container>("PATCH", containerPath(id), { body });
  remove = (id: string, force: boolean) => this.send("DELETE", containerPath(id), { query: { force: force || undefined } });
  signal = (id: string, body: SignalRequest) => this.send("POST", `${containerPath(id)}/signal`, { body });
  stats = (id: string) => this.json<Stats>("GET", `${containerPath(id)}/stats`);
  top = (id: string) => this.json<TopProcess[]>("GET", `${containerPath(id)}/top`);

  addProcess = (id: string, body: AddProcess) => this.json<Process>("POST", `${containerPath(id)}/processes`, { body });
  process = (id: string, pid: string) => this.json<Process>("GET", processPath(id, pid));
  updateProcess = (id: string, pid: string, body: ProcessPatch) => this.send("PATCH", processPath(id, pid), { body });
  wait = (id: string, pid: string) => this.json<WaitResult>("POST", `${processPath(id, pid)}/wait`);

  /** The captured output as a byte stream; with `follow` it ends when the process's output does. */
  async logs(id: string, pid: string, query: LogsQuery, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request("GET", `${processPath(id, pid)}/logs`, { query, ...(signal ? { signal } : {}) });
    return res.body ?? new Response("").body!;
  }

  /** The attach WebSocket: binary frames both ways, a text frame {"resize":…} to resize (AttachControl). */
  attach(id: string, pid: string): WebSocket {
    const ws = new BunWebSocket(this.endpoint.webSocketUrl(`${processPath(id, pid)}/attach`), { headers: this.endpoint.headers() });
    ws.binaryType = "arraybuffer";
    return ws;
  }

  images = () => this.json<Image[]>("GET", "/v1/images");
  removeImage = (digest: string) => this.send("DELETE", `/v1/images/${segment(digest)}`);

  checkpoints = (id: string, query: CheckpointQuery) => this.json<Checkpoint[]>("GET", `${containerPath(id)}/checkpoints`, { query });
  createCheckpoint = (id: string, body: CreateCheckpoint) => this.json<Checkpoint>("POST", `${containerPath(id)}/checkpoints`, { body });
  removeCheckpoint = (id: string, name: string, query: CheckpointQuery) =>
    this.send("DELETE", `${containerPath(id)}/checkpoints/${segment(name)}`, { query });

  /**
   * The event stream: stored events, then live ones unless `storedOnly`. When berthd cuts the stream off because
   * this reader fell behind, it reconnects after the last event it yielded, so none is lost or repeated.
   */
  async *events(query: EventsQuery, signal?: AbortSignal): AsyncGenerator<Event> {
    let resume = query;
    for (;;) {
      const res = await this.request("GET", "/v1/events", { query: resume, ...(signal ? { signal } : {}) });
      let behind = false;
      for await (const message of readSse(res.body!)) {
        if (message.event === "error") {
          behind = true;
          break;
        }
        const event = JSON.parse(message.data) as Event;
        resume = { ...query, since: undefined, after: event.seq };
        yield event;
      }
      if (!behind) return;
    }
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await (await this.request(method, path, options)).json()) as T;
  }

  private async send(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    await (await this.request(method, path, options)).arrayBuffer();
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const { address, base, unix } = this.endpoint;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) search.set(key, String(value));
    const url = `${base}${path}${search.size ? `?${search}` : ""}`;
    const headers: Record<string, string> = { ...this.endpoint.headers() };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(unix ? { unix } : {}),
      } as RequestInit);
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === "ENOENT" ? "no such socket" : code === "ECONNREFUSED" ? "connection refused" : (err as Error).message;
      throw new BerthError("unavailable", `cannot reach berthd at ${address}: ${reason} (is berthd running?)`);
    }
    if (!res.ok) throw await apiError(res);
    return res;
  }
}

/** The API's `{"error": {code, message}}`, as a BerthError; an answer of another shape keeps its status line. */
async function apiError(res: Response): Promise<BerthError> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    if (isErrorCode(error.code) && typeof error.message === "string") return new BerthError(error.code, error.message);
  } catch {}
  return new BerthError("internal", `berthd answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`);
}
