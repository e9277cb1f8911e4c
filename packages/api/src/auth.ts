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

/** True when the request carries `Authorization: Bearer <token>`; hashing first makes the compare length-independent. */
export function hasToken(request: Request, token: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** Routes open without a token, per docs/api.md: liveness, the Swagger UI page, its assets and the OpenAPI document. */
export function isPublic(request: Request): boolean {
  if (request.method !== "GET") return false;
  const path = new URL(request.url).pathname;
  return path === "/healthz" || path === "/swagger" || path.startsWith("/swagger/");
}
