/**
 * The dashboard's page and assets at /ui, served from the directory packages/ui's build wrote (scripts/setup.sh:
 * dist/ui), so the page needs no internet. The page and its assets are public (auth.ts): they hold no data, and
 * every API call they make needs the token or a session. Only flat file names are served (no path can leave the
 * directory); the page carries a Content-Security-Policy that allows nothing but this origin. When the directory
 * has not been built, /ui answers 503 `unavailable` saying so.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import { errorResponse } from "./errors.ts";

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// xterm.js and uPlot set styles from script; the page loads nothing from elsewhere and may not be framed.
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Routes GET /ui (the page) and GET /ui/{file} (its assets), hidden from the OpenAPI document. */
export function dashboard(dir: string) {
  const page = () => {
    const index = join(dir, "index.html");
    if (!existsSync(index)) return errorResponse("unavailable", `the dashboard is not built (${index} is missing): run bash scripts/setup.sh`);
    return new Response(Bun.file(index), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "content-security-policy": PAGE_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    });
  };
  return new Elysia({ name: "dashboard" })
    .get("/ui", page, { detail: { hide: true } })
    .get("/ui/", page, { detail: { hide: true } })
    .get("/ui/:file", async ({ params }) => {
      const path = join(dir, params.file);
      if (!FILE_NAME.test(params.file) || params.file === "index.html" || !(await Bun.file(path).exists())) {
        return errorResponse("not_found", `no dashboard asset ${JSON.stringify(params.file.slice(0, 64))}`);
      }
      // Asset names carry a content hash (bun build), so a browser may keep them.
      return new Response(Bun.file(path), {
        headers: { "cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff" },
      });
    }, { detail: { hide: true } });
}
