/**
 * API listeners. `unix://PATH` serves with no token on a socket of mode 0660 (group `berth` when it exists);
 * `tcp://HOST:PORT` needs the bearer token or a browser session (session.ts) on every route but the public ones,
 * and TLS unless HOST is loopback. On both, a request a browser marks as cross-site is refused on every route but
 * the public ones, so neither a session nor a unix socket forwarded to a local port (ssh -L, socat) serves another
 * site's page. Every answer on every listener is the API's JSON: Bun.serve runs in production mode (never its HTML
 * error page), its own error handler answers `internal`, a request whose URL does not parse (`Host: a b`) is 400,
 * and body size is left to the app's own check (body.ts) so that an oversized body gets the JSON 413 too.
 */
import { chmodSync, chownSync, existsSync, readFileSync, unlinkSync } from "node:fs";
import { isIP } from "node:net";
import type { Server, WebSocketHandler } from "bun";
import { BerthError } from "@berth/protocol";
import type { AttachData, Upgrade } from "./attach.ts";
import { hasToken, isPublic } from "./auth.ts";
import { errorResponse } from "./errors.ts";
import { isCrossOrigin, type Sessions } from "./session.ts";

export type ListenAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export function parseListenAddress(address: string): ListenAddress {
  if (address.startsWith("unix://")) {
    const path = address.slice("unix://".length);
    if (!path.startsWith("/")) throw new BerthError("invalid_argument", `listen address ${address}: the socket path must be absolute`);
    return { kind: "unix", path };
  }
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (m) {
    const port = Number(m[2]);
    if (port > 65535) throw new BerthError("invalid_argument", `listen address ${address}: port out of range`);
    return { kind: "tcp", host: m[1]!.replace(/^\[|\]$/g, ""), port };
  }
  throw new BerthError("invalid_argument", `listen address ${address}: expected unix:///path or tcp://host:port`);
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

export interface ListenOptions {
  token: string;
  sessions: Sessions;
  tls?: { cert: string; key: string };
}

type Fetch = (request: Request) => Response | Promise<Response>;

/** What every listener serves: the app, and the attach WebSocket it upgrades itself. */
export interface Handlers {
  fetch: Fetch;
  attach: { upgrade: Upgrade; websocket: WebSocketHandler<AttachData> };
}

/**
 * The request as the app can route it, or the 400 answer for one it cannot. A URL that does not parse because
 * the Host header is missing (HTTP/1.0) gets host "localhost"; one whose Host header is there but not a host
 * (`Host: a b`) is 400. Elysia finds the path by searching for "/" from index 11 of the URL, so a host of under
 * three characters ("curl --unix-socket S http://b/v1/...") would hide every route: such requests get a longer host.
 */
function routable(request: Request): Request | Response {
  const url = request.url;
  if (!URL.canParse(url)) {
    if (request.headers.get("host")) return errorResponse("invalid_argument", "malformed request: its Host header or target is not a valid URL");
    return new Request(`http://localhost${pathOf(url)}`, request);
  }
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash >= 11 ? request : new Request(`http://localhost${url.slice(slash)}`, request);
}

/** The path and query of a URL that does not parse: Bun gives a request without Host its bare target ("/healthz"). */
function pathOf(url: string): string {
  if (url.startsWith("/")) return url;
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash === -1 ? "/" : url.slice(slash);
}

/**
 * What every Bun.serve of berthd shares: production mode, JSON for an error nothing else caught, and no body limit
 * of Bun's own (it would answer an empty 413 before the app could answer the contract's JSON one).
 */
const SERVE_DEFAULTS = {
  development: false,
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  error: (error: Error) => errorResponse("internal", `unhandled error: ${error.message}`),
};

export async function listen(address: ListenAddress, handlers: Handlers, options: ListenOptions): Promise<Server<AttachData>> {
  // Bun upgrades only the request it received, not a copy: attach gets `raw` (a WebSocket request has a Host).
  const serve = (raw: Request, request: Request, server: Server<AttachData>) => {
    const upgraded = URL.canParse(raw.url) ? handlers.attach.upgrade(raw, server) : "not-attach";
    return upgraded === "not-attach" ? handlers.fetch(request) : upgraded;
  };
  const websocket = handlers.attach.websocket;
  if (address.kind === "unix") {
    await removeStaleSocket(address.path);
    // idleTimeout 0: event streams and log follows stay open for as long as the client wants.
    const fetch = (raw: Request, server: Server<AttachData>) => {
      const request = routable(raw);
      if (request instanceof Response) return request;
      return isPublic(request) || !isCrossOrigin(request)
        ? serve(raw, request, server)
        : errorResponse("unauthenticated", "refused a cross-site browser request");
    };
    const server = Bun.serve<AttachData>({ ...SERVE_DEFAULTS, unix: address.path, fetch, websocket, ...({ idleTimeout: 0 } as object) });
    chmodSync(address.path, 0o660);
    const gid = groupId("berth");
    if (gid !== undefined) chownSync(address.path, 0, gid);
    return server;
  }
  if (!isLoopback(address.host) && !options.tls) {
    throw new BerthError("invalid_argument", `refusing tcp://${address.host}:${address.port}: a non-loopback address needs --tls-cert and --tls-key`);
  }
  const guarded = (raw: Request, server: Server<AttachData>) => {
    const request = routable(raw);
    if (request instanceof Response) return request;
    const refusal = isPublic(request) || hasToken(request, options.token) ? undefined : options.sessions.refusal(request);
    return refusal === undefined ? serve(raw, request, server) : errorResponse("unauthenticated", refusal);
  };
  return Bun.serve<AttachData>({
    ...SERVE_DEFAULTS,
    hostname: address.host,
    port: address.port,
    fetch: guarded,
    websocket,
    idleTimeout: 0,
    ...(options.tls ? { tls: { cert: Bun.file(options.tls.cert), key: Bun.file(options.tls.key) } } : {}),
  });
}

/** A socket file left by a crashed berthd is removed; one that still accepts belongs to a running berthd. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await Bun.connect({ unix: path, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
  if (live) throw new BerthError("unavailable", `${path} is in use: is another berthd running?`);
  unlinkSync(path);
}

function groupId(name: string): number | undefined {
  try {
    const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
    return line ? Number(line.split(":")[2]) : undefined;
  } catch {
    return undefined;
  }
}
