/** Liveness, version and whole-daemon state. */
import { Elysia } from "elysia";
import { Health, State, Version } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import type { AppOptions } from "../app.ts";

export function systemRoutes(supervisor: Supervisor, options: AppOptions) {
  return new Elysia({ name: "system" })
    .get("/healthz", () => ({ status: "ok" as const, restoring: supervisor.isRestoring }), {
      response: Health,
      detail: { summary: "Liveness; answers while containers are being restored", security: [] },
    })
    .get("/v1/version", () => options.version, { response: Version, detail: { summary: "Daemon version" } })
    .get("/v1/state", () => supervisor.state(), { response: State, detail: { summary: "Containers and machine info" } })
    .get("/metrics", async () => new Response(await supervisor.metrics.text(), { headers: { "content-type": supervisor.metrics.contentType } }), {
      detail: {
        summary: "Prometheus metrics: operation durations, exit-to-event latency, containers, events, API requests, the process",
        responses: { 200: { description: "Prometheus text exposition", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    });
}
