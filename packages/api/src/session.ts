/**
 * Browser sessions on TCP listeners (the dashboard's login). `POST /v1/session {"token"}` exchanges the API token
 * for a random session id, set as a cookie: `berth_session=<id>; Path=/; HttpOnly; SameSite=Strict; Max-Age=<s>`
 * (plus `Secure` over TLS). A request carrying a live session cookie is then admitted like one with the bearer
 * token, the attach WebSocket and the SSE event stream included, unless it is cross-site (below). Sessions live in
 * berthd's memory only, with a fixed lifetime from login (SESSION_LIFETIME_MS) and at most MAX_SESSIONS at once
 * (the oldest goes first): a berthd restart ends them all and the user logs in again. The token itself never
 * leaves the login body; only a hash of each session id is kept.
 *
 * Cross-site rule: a cookie is refused when `Sec-Fetch-Site` is present and is neither `same-origin` nor `none`,
 * or when `Origin` is present and is not the request's own origin. SameSite=Strict alone is not enough: a page on
 * another port of the same host is the same site, and its requests would carry the cookie. A bearer token is not
 * subject to the rule, since a foreign page cannot make the browser send one.
 */
import { createHash, randomBytes } from "node:crypto";
import { isToken } from "./auth.ts";

/** The cookie's name. */
export const SESSION_COOKIE = "berth_session";
/** How long a session lasts from its login: 12 hours. */
export const SESSION_LIFETIME_MS = 12 * 3600 * 1000;
/** Sessions kept at once; a login past it ends the oldest. */
export const MAX_SESSIONS = 1024;

export interface SessionOptions {
  /** Lifetime of a session in ms; SESSION_LIFETIME_MS when absent. */
  lifetimeMs?: number;
  /** The clock, in ms since the epoch (tests set it). */
  now?: () => number;
}

const NO_CREDENTIALS = "missing or invalid bearer token or session cookie (see the api-token file in the state dir)";
const hash = (id: string) => createHash("sha256").update(id).digest("hex");

/** The live sessions of one berthd, in memory. */
export class Sessions {
  /** Hash of each session id → its expiry (ms since the epoch); Map order is login order, oldest first. */
  private readonly live = new Map<string, number>();
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(private readonly token: string, options: SessionOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? SESSION_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  /** Starts a session when `candidate` is the API token: the Set-Cookie value to answer with, else undefined. */
  login(candidate: string, request: Request): string | undefined {
    if (!isToken(candidate, this.token)) return undefined;
    this.dropExpired();
    if (this.live.size >= MAX_SESSIONS) this.live.delete(this.live.keys().next().value!);
    const id = randomBytes(32).toString("base64url");
    this.live.set(hash(id), this.now() + this.lifetimeMs);
    return cookie(id, Math.floor(this.lifetimeMs / 1000), request);
  }

  /** Ends the request's session, if it has one: the Set-Cookie value that clears the cookie. */
  logout(request: Request): string {
    const id = sessionId(request);
    if (id !== undefined) this.live.delete(hash(id));
    return cookie("", 0, request);
  }

  /** Undefined when the request's session cookie admits it; otherwise why not, for the 401's message. */
  refusal(request: Request): string | undefined {
    const id = sessionId(request);
    if (id === undefined) return NO_CREDENTIALS;
    const key = hash(id);
    const expiry = this.live.get(key);
    if (expiry === undefined) return "unknown or ended session: log in again";
    if (expiry <= this.now()) {
      this.live.delete(key);
      return "session expired: log in again";
    }
    if (isCrossOrigin(request)) return "session cookie refused on a cross-site request";
    return undefined;
  }

  /** How many sessions are live (diagnostics and tests). */
  get size(): number {
    this.dropExpired();
    return this.live.size;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, expiry] of this.live) if (expiry <= now) this.live.delete(key);
  }
}

/**
 * True when a browser marks the request as coming from another origin: `Sec-Fetch-Site` other than `same-origin`
 * or `none` (a typed URL, a bookmark), or an `Origin` that is not the request's own. Non-browser clients send
 * neither header and are never refused by it.
 */
export function isCrossOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  return origin !== null && origin !== new URL(request.url).origin;
}

function sessionId(request: Request): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function cookie(value: string, maxAgeSeconds: number, request: Request): string {
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}
