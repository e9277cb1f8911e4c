/**
 * The dashboard's client of berthd's public API (API.md), on the page's own origin: the session cookie (TCP) or
 * nothing at all (a forwarded unix socket) authenticates each call, so no token is ever kept by the page. A
 * failure becomes an ApiError with the API's code and message; a 401 also calls the handler set by
 * `onUnauthenticated`, which shows the login form.
 */
import type { AddProcess, Container, ContainerPatch, CreateContainer, Process, SignalRequest, State, Stats, Version } from "@berth/protocol";

/**
 * A container as API.md writes it. `restartCount` comes with restart policies, a part of the contract the schema
 * does not carry yet: until it does, the views show a dash.
 */
export type ContainerInfo = Container & { restartCount?: number };

/** An error answer of the API: HTTP status, the contract's code and its message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let unauthenticated: () => void = () => {};

/** Sets what happens when berthd answers 401 (the login form). */
export function onUnauthenticated(handler: () => void): void {
  unauthenticated = handler;
}

/** Sends a request; answers the Response when it is a 2xx, else throws ApiError. */
export async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method, headers: body === undefined ? {} : { "content-type": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  const res = await fetch(path, init);
  if (res.ok) return res;
  throw await failure(res);
}

/** The ApiError of a non-2xx answer (its JSON error body, or its status when it has none); a 401 shows the login. */
export async function failure(res: Response): Promise<ApiError> {
  if (res.status === 401) unauthenticated();
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new ApiError(res.status, error.code, error.message);
  } catch {
    return new ApiError(res.status, "internal", `${res.status} ${text.slice(0, 200)}`);
  }
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

const c = (id: string) => `/v1/containers/${encodeURIComponent(id)}`;
const p = (id: string, pid: string) => `${c(id)}/processes/${encodeURIComponent(pid)}`;

/** One function per route the dashboard uses. */
export const api = {
  login: (token: string) => json<void>("POST", "/v1/session", { token }),
  logout: () => json<void>("DELETE", "/v1/session"),
  version: () => json<Version>("GET", "/v1/version"),
  state: () => json<State>("GET", "/v1/state"),
  metrics: async () => (await send("GET", "/metrics")).text(),
  containers: (all: boolean) => json<ContainerInfo[]>("GET", `/v1/containers${all ? "?all=true" : ""}`),
  container: (id: string) => json<ContainerInfo>("GET", c(id)),
  create: (body: CreateContainer) => json<ContainerInfo>("POST", "/v1/containers", body),
  patch: (id: string, body: ContainerPatch) => json<ContainerInfo>("PATCH", c(id), body),
  signal: (id: string, body: SignalRequest) => json<void>("POST", `${c(id)}/signal`, body),
  remove: (id: string, force: boolean) => json<void>("DELETE", `${c(id)}${force ? "?force=true" : ""}`),
  stats: (id: string) => json<Stats>("GET", `${c(id)}/stats`),
  exec: (id: string, body: AddProcess) => json<Process>("POST", `${c(id)}/processes`, body),
  process: (id: string, pid: string) => json<Process>("GET", p(id, pid)),
  /** The process's captured output: the last `tail` lines, then (with follow) what it writes next. */
  logs: (id: string, pid: string, tail: number, follow: boolean, signal: AbortSignal) =>
    send("GET", `${p(id, pid)}/logs?tail=${tail}&follow=${follow}`, undefined, signal),
  /** The attach WebSocket's URL on this origin (the session cookie goes with it). */
  attachUrl: (id: string, pid: string) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${p(id, pid)}/attach`,
};
