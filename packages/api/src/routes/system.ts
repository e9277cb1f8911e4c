/** Liveness, version and whole-daemon state. */
import { Elysia } from "elysia";
import { Health, State, Version } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import type { AppOptions } from "../options.ts";
import { answer } from "./common.ts";

export function systemRoutes(supervisor: Supervisor, options: AppOptions) {
  return new Elysia({ name: "system" })
    .get("/healthz", () => ({ status: "ok" as const, restoring: supervisor.isRestoring }), {
      response: answer(Health, "berthd answers; restoring is true until every container is restored"),
      detail: { summary: "Liveness; answers while containers are being restored (no token needed)", tags: ["system"], security: [] },
    })
    .get("/v1/version", () => options.version, {
      response: answer(Version, "berthd's version, git revision and OCI runtime"),
      detail: { summary: "Daemon version", tags: ["system"] },
    })
    .get("/v1/state", () => supervisor.state(), {
      response: answer(State, "the host's CPUs and memory, and every container"),
      detail: { summary: "Containers and machine info", tags: ["system"] },
    })
    .get("/metrics", async () => new Response(await supervisor.metrics.text(), { headers: { "content-type": supervisor.metrics.contentType } }), {
      detail: {
        summary: "Prometheus metrics: operation durations, exit-to-event latency, containers, events, API requests, the process",
        tags: ["metrics"],
        responses: { 200: { description: "Prometheus text exposition", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    });
}
