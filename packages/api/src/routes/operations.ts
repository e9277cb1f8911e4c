/** Container operations: pause, resume and resource updates (PATCH), delete, stats, and checkpoints. */
import { Elysia, t } from "elysia";
import {
  Checkpoint, CheckpointQuery, Container, ContainerPatch, CreateCheckpoint, DeleteQuery, Id, ID_PATTERN, Stats, TopProcess,
} from "@berth/protocol";
import { type Supervisor, top } from "@berth/supervisor";
import { errors, IdParams } from "./common.ts";

const CheckpointParams = t.Object({ id: Id, name: t.String({ pattern: ID_PATTERN, description: "checkpoint name" }) });

export function operationRoutes(supervisor: Supervisor) {
  const { operations, checkpoints } = supervisor;
  return new Elysia({ name: "operations" })
    .patch("/v1/containers/:id", ({ params, body }) => operations.update(params.id, body), {
      params: IdParams,
      body: ContainerPatch,
      parse: "json",
      response: { 200: Container, ...errors },
      detail: { summary: "Pause or resume the container (status), or update its resources (runc update)" },
    })
    .delete("/v1/containers/:id", async ({ params, query, set }) => {
      await operations.remove(params.id, query.force ?? false);
      set.status = 204;
    }, {
      params: IdParams,
      query: DeleteQuery,
      response: { 204: t.Void(), ...errors },
      detail: { summary: "Remove the container; a running one only with force (SIGKILL, then wait for its exit)" },
    })
    .get("/v1/containers/:id/stats", ({ params }) => operations.stats(params.id), {
      params: IdParams,
      response: { 200: Stats, ...errors },
      detail: { summary: "CPU, memory, pids, block IO and hugetlb usage, read from the container's cgroups" },
    })
    .get("/v1/containers/:id/top", ({ params }) => top(supervisor, params.id), {
      params: IdParams,
      response: { 200: t.Array(TopProcess), ...errors },
      detail: { summary: "Every process in the container's cgroup as the host sees it: pid, parent, user, CPU, command (read from /proc)" },
    })
    .get("/v1/containers/:id/checkpoints", ({ params, query }) => checkpoints.list(params.id, query.checkpointDir), {
      params: IdParams,
      query: CheckpointQuery,
      response: { 200: t.Array(Checkpoint), ...errors },
      detail: { summary: "The container's checkpoints (default dir: <bundle>/checkpoints)" },
    })
    .post("/v1/containers/:id/checkpoints", async ({ params, body, set }) => {
      const checkpoint = await checkpoints.create(params.id, body);
      set.status = 201;
      return checkpoint;
    }, {
      params: IdParams,
      body: CreateCheckpoint,
      parse: "json",
      response: { 201: Checkpoint, ...errors },
      detail: { summary: "Checkpoint the container with CRIU (runc checkpoint); it keeps running unless exit is set" },
    })
    .delete("/v1/containers/:id/checkpoints/:name", async ({ params, query, set }) => {
      await checkpoints.remove(params.id, params.name, query.checkpointDir);
      set.status = 204;
    }, {
      params: CheckpointParams,
      query: CheckpointQuery,
      response: { 204: t.Void(), ...errors },
      detail: { summary: "Delete a checkpoint" },
    });
}
