/**
 * The HTTP API (docs/api.md) as an Elysia app: the error hook, JSON body parsing, OpenAPI with Swagger UI, and the
 * route groups in routes/. Each route declares its body, query, params and responses from @berth/protocol
 * schemas, calls the supervisor and returns. Listeners (unix, TCP, auth) live in listeners.ts; the dashboard's
 * page in dashboard.ts, its login in routes/session.ts.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { Supervisor } from "@berth/supervisor";
import { checkDeclaredSize, DEFAULT_MAX_BODY_BYTES, parseJsonBody } from "./body.ts";
import { dashboard } from "./dashboard.ts";
import { handleError } from "./errors.ts";
import type { AppOptions } from "./options.ts";
import { describeEnums } from "./openapi-enums.ts";
import { TAGS } from "./routes/common.ts";
import { containerRoutes } from "./routes/containers.ts";
import { eventRoutes } from "./routes/events.ts";
import { imageRoutes } from "./routes/images.ts";
import { operationRoutes } from "./routes/operations.ts";
import { processRoutes } from "./routes/processes.ts";
import { sessionRoutes } from "./routes/session.ts";
import { systemRoutes } from "./routes/system.ts";
import { SWAGGER_ASSET_PREFIX, swaggerAssets } from "./swagger.ts";

export type { AppOptions } from "./options.ts";

export function createApp(supervisor: Supervisor, options: AppOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // No normalizing: a field a schema does not name is refused (400), not silently dropped, so a misspelt
  // option never looks applied.
  return new Elysia({ normalize: false })
    .onError(({ code, error }) => handleError({ code, error }))
    // An oversized body is refused (413) before routing and before a byte of it is read.
    .onRequest(({ request }) => checkDeclaredSize(request, maxBodyBytes))
    // Bodies are JSON whatever the content type says (`curl -d` sends form-urlencoded by default), bounded in size
    // and nesting (body.ts).
    .onParse(({ request }) => parseJsonBody(request, maxBodyBytes))
    // Before the OpenAPI plugin, so it applies to the document's route.
    .onAfterHandle({ as: "global" }, ({ path, response }) => (path === "/swagger/json" ? describeEnums(response) : undefined))
    .use(openapi({
      provider: "swagger-ui",
      path: "/swagger",
      documentation: {
        info: {
          title: "Berth API",
          version: options.version.version,
          description: "Container supervisor for runc. The full reference, with the event stream, access and stdio rules, is " +
            "docs/api.md in the repository. Over TCP, press Authorize and paste the content of the token file " +
            "(<state-dir>/api-token). The examples work as sent against the demo bundle: create the demo container first.",
        },
        tags: [...TAGS],
        components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
        security: [{ bearer: [] }],
      },
      swagger: { theme: `${SWAGGER_ASSET_PREFIX}/swagger-ui.css`, cdn: `${SWAGGER_ASSET_PREFIX}/swagger-ui-bundle.js` } as Record<string, string>,
    }))
    .use(swaggerAssets())
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      supervisor.metrics.request(request.method, route || "unmatched", typeof set.status === "number" ? set.status : 200);
    })
    .use(systemRoutes(supervisor, options))
    .use(containerRoutes(supervisor, options.demoBundle))
    .use(processRoutes(supervisor))
    .use(operationRoutes(supervisor))
    .use(imageRoutes(supervisor))
    .use(eventRoutes(supervisor))
    .use(sessionRoutes(options.sessions))
    .use(dashboard(options.uiDir));
}
