/** A container's processes: add an exec, get one, close its stdin or resize it, wait for it, read its logs. */
import { Elysia, t } from "elysia";
import { AddProcess, ErrorBody, example, LogsQuery, Process, ProcessPatch, WaitResult } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { answer, errorAnswers, errors, IdParams, ProcessParams } from "./common.ts";

/** The init of the demo container: the one process a resize example could name is a terminal, and it has none. */
const InitParams = t.Object({ ...ProcessParams.properties, pid: t.String({ ...ProcessParams.properties.pid, ...example("init") }) });

export function processRoutes(supervisor: Supervisor) {
  const processes = supervisor.processes;
  return new Elysia({ name: "processes" })
    .post("/v1/containers/:id/processes", async ({ params, body, set }) => {
      const process = await processes.add(params.id, body);
      set.status = 201;
      return process;
    }, {
      params: IdParams,
      body: AddProcess,
      parse: "json",
      response: { 201: answer(Process, "the exec, running"), ...errorAnswers(404, [409, "already_exists: an exec with this id exists; failed_precondition: the container is not running"], 504) },
      detail: { summary: "Run an exec in the container; answers once it runs, with its host pid", tags: ["processes"] },
    })
    .get("/v1/containers/:id/processes/:pid", ({ params }) => processes.get(params.id, params.pid), {
      params: ProcessParams,
      response: { 200: answer(Process, "the process"), ...errorAnswers(404) },
      detail: { summary: 'One process ("init" or an exec id)', tags: ["processes"] },
    })
    .patch("/v1/containers/:id/processes/:pid", async ({ params, body, set }) => {
      await processes.update(params.id, params.pid, body);
      set.status = 204;
    }, {
      params: InitParams,
      body: ProcessPatch,
      parse: "json",
      response: { 204: answer(t.Void(), "done"), ...errors },
      detail: { summary: "Close the process's stdin, or resize its terminal", tags: ["processes"] },
    })
    .post("/v1/containers/:id/processes/:pid/wait", ({ params }) => processes.wait(params.id, params.pid), {
      params: ProcessParams,
      response: { 200: answer(WaitResult, "the process has exited, with this status"), ...errorAnswers(404) },
      detail: { summary: "The exit status, when the process has exited (at once if it already has)", tags: ["processes"] },
    })
    .get("/v1/containers/:id/processes/:pid/logs", ({ params, query }) => {
      return new Response(processes.logs(params.id, params.pid, query), {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" },
      });
    }, {
      params: ProcessParams,
      query: LogsQuery,
      detail: {
        summary: "Captured output (when stdout/stderr were not given); streamed while follow=true",
        tags: ["processes"],
        responses: {
          200: { description: "the output bytes", content: { "text/plain": { schema: { type: "string" } } } },
          404: { description: "unknown container or process", content: { "application/json": { schema: ErrorBody } } },
          409: { description: "the process's output goes to the client's own paths", content: { "application/json": { schema: ErrorBody } } },
        },
      },
    })
    .get("/v1/containers/:id/processes/:pid/attach", ({ set }) => {
      set.status = 426;
      return { error: { code: "invalid_argument", message: "attach is a WebSocket: send Upgrade: websocket" } };
    }, {
      params: ProcessParams,
      detail: {
        summary: "WebSocket: binary frames carry stdin to the process and its output back; a text frame " +
          '{"resize":{"width":W,"height":H}} resizes its terminal. Several clients may attach; one leaving ends nothing.',
        tags: ["processes"],
        responses: { 101: { description: "switched to WebSocket" }, 426: { description: "not a WebSocket request" } },
      },
    });
}
