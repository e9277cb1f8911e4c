/** Containers: list, create, get, signal. */
import { Elysia, t } from "elysia";
import { Container, CreateContainer, ListQuery, SignalRequest } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { errors, IdParams } from "./common.ts";

export function containerRoutes(supervisor: Supervisor) {
  return new Elysia({ name: "containers" })
    .get("/v1/containers", ({ query }) => supervisor.list(query.all ?? false), {
      query: ListQuery,
      response: t.Array(Container),
      detail: { summary: "List containers, sorted by id: running and paused ones; with all=true stopped ones too" },
    })
    .post("/v1/containers", async ({ body, set }) => {
      const container = await supervisor.create(body);
      set.status = 201;
      return container;
    }, {
      body: CreateContainer,
      parse: "json",
      response: { 201: Container, ...errors },
      detail: { summary: "Create and start a container; answers once its init process runs" },
    })
    .get("/v1/containers/:id", ({ params }) => supervisor.get(params.id), {
      params: IdParams,
      response: { 200: Container, ...errors },
      detail: { summary: "One container" },
    })
    .post("/v1/containers/:id/signal", async ({ params, body, set }) => {
      await supervisor.operations.signal(params.id, body.pid ?? "init", body.signal);
      set.status = 204;
    }, {
      params: IdParams,
      body: SignalRequest,
      parse: "json",
      response: { 204: t.Void(), ...errors },
      detail: { summary: "Send a signal to a process of the container" },
    });
}
