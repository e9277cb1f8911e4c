/** The bearer token for TCP listeners: created at first start (random, 0600), compared in constant time, never logged. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileDurable } from "@berth/state";

export function loadOrCreateToken(path: string): string {
  try {
    const token = readFileSync(path, "utf8").trim();
    if (token) return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const token = randomBytes(32).toString("hex");
  writeFileDurable(path, token + "\n", 0o600);
  return token;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when `candidate` is the token, compared in constant time; hashing first makes the compare length-independent. */
export function isToken(candidate: string, token: string): boolean {
  return timingSafeEqual(digest(candidate), digest(token));
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function hasToken(request: Request, token: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match !== null && isToken(match[1]!, token);
}

/**
 * Routes open without a token, per docs/api.md: liveness, the Swagger UI page, its assets and the OpenAPI document;
 * the dashboard's page and assets (they hold no data; its API calls need the token or a session); and the login
 * that exchanges the token for a session cookie (session.ts).
 */
export function isPublic(request: Request): boolean {
  const path = new URL(request.url).pathname;
  if (request.method === "POST") return path === "/v1/session";
  if (request.method !== "GET") return false;
  return path === "/healthz" || path === "/swagger" || path.startsWith("/swagger/") || path === "/ui" || path.startsWith("/ui/");
}
