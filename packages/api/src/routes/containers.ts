/**
 * Containers: list, create, get, signal. The create's example body names the demo bundle where this berthd finds
 * it (AppOptions.demoBundle), so Swagger UI's "Try it out" sends a request that works.
 */
import { Elysia, t } from "elysia";
import { Container, CreateContainer, ListQuery, SignalRequest } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { answer, errorAnswers, errors, IdParams } from "./common.ts";

const JSON_TYPE = { "content-type": "application/json;charset=utf-8" };

export function containerRoutes(supervisor: Supervisor, demoBundle: string) {
  const createBody = { ...CreateContainer, examples: [{ id: "demo", bundlePath: demoBundle }] };
  return new Elysia({ name: "containers" })
    // The supervisor keeps the listing serialized (it is asked for often, and mostly unchanged): it goes out as is,
    // with the content type Elysia gives JSON; the schema below documents it.
    .get("/v1/containers", ({ query }) => new Response(supervisor.listJson(query.all ?? false), { headers: JSON_TYPE }), {
      query: ListQuery,
      response: answer(t.Array(Container), "the containers, sorted by id: running and paused ones; with all=true stopped ones too"),
      detail: { summary: "List containers, sorted by id: running and paused ones; with all=true stopped ones too", tags: ["containers"] },
    })
    .post("/v1/containers", async ({ body, set }) => {
      const container = await supervisor.create(body);
      set.status = 201;
      return container;
    }, {
      body: createBody,
      parse: "json",
      response: {
        201: answer(Container, "the container, its init running"),
        ...errorAnswers(404, [409, "already_exists: a container with this id exists"], 504),
      },
      detail: { summary: "Create and start a container; answers once its init process runs", tags: ["containers"] },
    })
    .get("/v1/containers/:id", ({ params }) => supervisor.get(params.id), {
      params: IdParams,
      response: { 200: answer(Container, "the container"), ...errorAnswers(404) },
      detail: { summary: "One container", tags: ["containers"] },
    })
    .post("/v1/containers/:id/signal", async ({ params, body, set }) => {
      await supervisor.operations.signal(params.id, body.pid ?? "init", body.signal);
      set.status = 204;
    }, {
      params: IdParams,
      body: SignalRequest,
      parse: "json",
      response: { 204: answer(t.Void(), "the signal was sent"), ...errors },
      detail: { summary: "Send a signal to a process of the container", tags: ["containers"] },
    });
}
