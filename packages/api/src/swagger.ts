/** Swagger UI, served from the swagger-ui-dist package so the page works with no internet access. */
import { dirname, join } from "node:path";
import { Elysia } from "elysia";

const ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js"] as const;
export const SWAGGER_ASSET_PREFIX = "/swagger/assets";

export function swaggerAssets() {
  const dist = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
  const app = new Elysia({ name: "swagger-assets" });
  for (const name of ASSETS) {
    app.get(`${SWAGGER_ASSET_PREFIX}/${name}`, () => new Response(Bun.file(join(dist, name))), { detail: { hide: true } });
  }
  return app;
}
