/** Container operations: pause, resume and resource updates (PATCH), delete, stats, and checkpoints. */
import { Elysia, t } from "elysia";
import {
  Checkpoint, CheckpointQuery, Container, ContainerPatch, CreateCheckpoint, DeleteQuery, ContainerId, example, ID_PATTERN, Stats, TopProcess,
} from "@berth/protocol";
import { type Supervisor, top } from "@berth/supervisor";
import { answer, errorAnswers, errors, IdParams } from "./common.ts";

const CheckpointParams = t.Object({ id: ContainerId, name: t.String({ pattern: ID_PATTERN, description: "the checkpoint's name", ...example("cp1") }) });

export function operationRoutes(supervisor: Supervisor) {
  const { operations, checkpoints } = supervisor;
  return new Elysia({ name: "operations" })
    .patch("/v1/containers/:id", ({ params, body }) => operations.update(params.id, body), {
      params: IdParams,
      body: ContainerPatch,
      parse: "json",
      response: { 200: answer(Container, "the container, changed"), ...errors },
      detail: { summary: "Pause or resume the container (status), or update its resources (runc update)", tags: ["containers"] },
    })
    .delete("/v1/containers/:id", async ({ params, query, set }) => {
      await operations.remove(params.id, query.force ?? false);
      set.status = 204;
    }, {
      params: IdParams,
      query: DeleteQuery,
      response: { 204: answer(t.Void(), "the container is gone"), ...errors },
      detail: { summary: "Remove the container; a running one only with force (SIGKILL, then wait for its exit)", tags: ["containers"] },
    })
    .get("/v1/containers/:id/stats", ({ params }) => operations.stats(params.id), {
      params: IdParams,
      response: { 200: answer(Stats, "the container's usage, read from its cgroups now"), ...errors },
      detail: { summary: "CPU, memory, pids, block IO and hugetlb usage, read from the container's cgroups", tags: ["containers"] },
    })
    .get("/v1/containers/:id/top", ({ params }) => top(supervisor, params.id), {
      params: IdParams,
      response: { 200: answer(t.Array(TopProcess), "every process of the container, sorted by pid"), ...errorAnswers(404, 409) },
      detail: { summary: "Every process in the container's cgroup as the host sees it: pid, parent, user, CPU, command (read from /proc)", tags: ["containers"] },
    })
    .get("/v1/containers/:id/checkpoints", ({ params, query }) => checkpoints.list(params.id, query.checkpointDir), {
      params: IdParams,
      query: CheckpointQuery,
      response: { 200: answer(t.Array(Checkpoint), "the checkpoints in that dir"), ...errors },
      detail: { summary: "The container's checkpoints (default dir: <bundle>/checkpoints)", tags: ["checkpoints"] },
    })
    .post("/v1/containers/:id/checkpoints", async ({ params, body, set }) => {
      const checkpoint = await checkpoints.create(params.id, body);
      set.status = 201;
      return checkpoint;
    }, {
      params: IdParams,
      body: CreateCheckpoint,
      parse: "json",
      response: { 201: answer(Checkpoint, "the checkpoint, written"), ...errors },
      detail: { summary: "Checkpoint the container with CRIU (runc checkpoint); it keeps running unless exit is set", tags: ["checkpoints"] },
    })
    .delete("/v1/containers/:id/checkpoints/:name", async ({ params, query, set }) => {
      await checkpoints.remove(params.id, params.name, query.checkpointDir);
      set.status = 204;
    }, {
      params: CheckpointParams,
      query: CheckpointQuery,
      response: { 204: answer(t.Void(), "the checkpoint is gone"), ...errors },
      detail: { summary: "Delete a checkpoint", tags: ["checkpoints"] },
    });
}
