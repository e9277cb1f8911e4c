/**
 * The HTTP API (API.md) as an Elysia app: each route declares its body, query, params and responses from
 * @berth/protocol schemas, calls the supervisor and returns. Listeners (unix, TCP, auth) live in listeners.ts.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia, t } from "elysia";
import { eventStream } from "./sse.ts";
import {
  BerthError, Container, CreateContainer, ErrorBody, EventsQuery, Health, Id, parseRfc3339Ns, SignalRequest, State, Version,
} from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { handleError } from "./errors.ts";
import { SWAGGER_ASSET_PREFIX, swaggerAssets } from "./swagger.ts";

export interface AppOptions {
  version: Version;
  /** True while berthd restores containers after a restart. */
  restoring: () => boolean;
}

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody };
const IdParams = t.Object({ id: Id });

export function createApp(supervisor: Supervisor, options: AppOptions) {
  return new Elysia()
    .onError(({ code, error }) => handleError({ code, error }))
    // Bodies are JSON whatever the content type says: `curl -d` sends form-urlencoded by default.
    .onParse(async ({ request }) => {
      const text = await request.text();
      if (!text) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        throw new BerthError("invalid_argument", "malformed request body: expected JSON");
      }
    })
    .use(openapi({
      provider: "swagger-ui",
      path: "/swagger",
      documentation: {
        info: { title: "Berth API", version: options.version.version, description: "Container supervisor for runc. See API.md." },
        components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
        security: [{ bearer: [] }],
      },
      swagger: { theme: `${SWAGGER_ASSET_PREFIX}/swagger-ui.css`, cdn: `${SWAGGER_ASSET_PREFIX}/swagger-ui-bundle.js` } as Record<string, string>,
    }))
    .use(swaggerAssets())
    .get("/healthz", () => ({ status: "ok" as const, restoring: options.restoring() }), {
      response: Health,
      detail: { summary: "Liveness; answers while containers are being restored", security: [] },
    })
    .get("/v1/version", () => options.version, { response: Version, detail: { summary: "Daemon version" } })
    .get("/v1/state", () => supervisor.state(), { response: State, detail: { summary: "Containers and machine info" } })
    .get("/v1/containers", () => supervisor.list(), {
      response: t.Array(Container),
      detail: { summary: "List containers, sorted by id" },
    })
    .post("/v1/containers", async ({ body, set }) => {
      const container = await supervisor.create(body);
      set.status = 201;
      return container;
    }, {
      body: CreateContainer,
      response: { 201: Container, ...errors, 504: ErrorBody },
      detail: { summary: "Create and start a container; answers once its init process runs" },
    })
    .get("/v1/containers/:id", ({ params }) => supervisor.get(params.id), {
      params: IdParams,
      response: { 200: Container, ...errors },
      detail: { summary: "One container" },
    })
    .post("/v1/containers/:id/signal", async ({ params, body, set }) => {
      await supervisor.signal(params.id, body.pid ?? "init", body.signal);
      set.status = 204;
    }, {
      params: IdParams,
      body: SignalRequest,
      response: { 204: t.Void(), ...errors },
      detail: { summary: "Send a signal to a process of the container" },
    })
    .get("/v1/events", ({ query, headers }) => {
      const lastEventId = headers["last-event-id"];
      const after = query.after ?? (lastEventId === undefined ? undefined : Number(lastEventId));
      if (after !== undefined && !Number.isInteger(after)) throw new BerthError("invalid_argument", "Last-Event-ID must be a sequence number");
      if (query.storedOnly && after === undefined && query.since === undefined) {
        throw new BerthError("invalid_argument", "storedOnly needs since, after or Last-Event-ID");
      }
      if (query.since !== undefined && parseRfc3339Ns(query.since) === undefined) {
        throw new BerthError("invalid_argument", `since ${JSON.stringify(query.since)} is not an RFC 3339 time`);
      }
      return new Response(eventStream(supervisor.events.subscribe({ ...query, after })), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }, {
      query: EventsQuery,
      detail: {
        summary: "Event stream (Server-Sent Events): stored events, then live ones unless storedOnly",
        responses: { 200: { description: "text/event-stream of Event", content: { "text/event-stream": { schema: { type: "string" } } } } },
      },
    });
}
