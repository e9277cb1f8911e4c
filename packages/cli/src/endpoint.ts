/**
 * Where berthd is and how to get in: `--address` (`unix:///path`, `http(s)://host:port`, or berthd's own
 * `tcp://host:port` spelling) and, for HTTP, the bearer token from `BERTH_TOKEN` or the token file. The token is
 * read at the first request, so commands that never call berthd (help, completion) need none.
 */
import { readFileSync } from "node:fs";
import { BerthError } from "@berth/protocol";

export const DEFAULT_ADDRESS = "unix:///run/berth/berth.sock";
export const DEFAULT_TOKEN_FILE = "/run/berth/api-token";

export interface Endpoint {
  /** The address as given, for messages. */
  address: string;
  /** Base URL of the API; over a unix socket the host is a placeholder. */
  base: string;
  /** The socket path, for a unix address. */
  unix?: string;
  /** Request headers: the bearer token over HTTP; throws when there is none to send. */
  headers(): Record<string, string>;
  /** The URL of a WebSocket route. */
  webSocketUrl(path: string): string;
}

export function endpoint(address: string, tokenFile: string, env: Record<string, string | undefined> = process.env): Endpoint {
  if (address.startsWith("unix://")) {
    const path = address.slice("unix://".length);
    if (!path.startsWith("/")) throw new BerthError("invalid_argument", `address ${address}: the socket path must be absolute`);
    return { address, base: "http://localhost", unix: path, headers: () => ({}), webSocketUrl: (route) => `ws+unix://${path}:${route}` };
  }
  const m = /^(https?|tcp):\/\/([^/]+)\/?$/.exec(address);
  if (!m) throw new BerthError("invalid_argument", `address ${address}: expected unix:///path, http://host:port or https://host:port`);
  const base = `${m[1] === "https" ? "https" : "http"}://${m[2]}`;
  let token: string | undefined;
  return {
    address,
    base,
    headers: () => ({ authorization: `Bearer ${(token ??= readToken(address, tokenFile, env))}` }),
    webSocketUrl: (route) => `${base.replace(/^http/, "ws")}${route}`,
  };
}

function readToken(address: string, tokenFile: string, env: Record<string, string | undefined>): string {
  const fromEnv = env.BERTH_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  let why: string;
  try {
    const token = readFileSync(tokenFile, "utf8").trim();
    if (token) return token;
    why = "it is empty";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    why = code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : (err as Error).message;
  }
  throw new BerthError("unauthenticated",
    `no API token for ${address}: BERTH_TOKEN is not set and the token file ${tokenFile} cannot be used (${why}); ` +
    "set BERTH_TOKEN or pass --token-file (berthd writes the token to <state-dir>/api-token), or use the unix socket");
}
