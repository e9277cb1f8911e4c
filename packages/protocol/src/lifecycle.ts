/**
 * One vocabulary for the life of a container's processes, used by the shim, berthd, the API and the CLI.
 *
 *   init:  created → running ⇄ paused → stopped → deleted
 *   exec:  created → running → stopped → deleted
 *
 * The shim owns these states (containerd's pkg/process model: one object per state). Each event of a container
 * is a Change the shim numbers (1, 2, 3, …), writes durably to the container's change log and only then tells
 * berthd, which journals, marks and publishes each change exactly once (invariants 1, 3 and 10 of DESIGN.md).
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { type ContainerStatus, EventType, Timestamp } from "./schemas.ts";

export const ProcessState = T.Union([
  T.Literal("created"), T.Literal("running"), T.Literal("paused"), T.Literal("stopped"), T.Literal("deleted"),
]);
export type ProcessState = Static<typeof ProcessState>;

/** A recorded event of one container: `change` numbers them from 1 per container instance, with no gaps. */
export const Change = T.Object({
  change: T.Integer({ minimum: 1 }),
  type: EventType,
  /** "init" or an exec id; "init" for container-wide events (oom, pause, resume, update, checkpoint). */
  pid: T.String(),
  /** The exit status, for `exit` only. */
  status: T.Optional(T.Integer()),
  /** The process's host pid, for `start-container` and `start-process`. */
  systemPid: T.Optional(T.Integer()),
  at: Timestamp,
});
export type Change = Static<typeof Change>;

/** The state a process is in after a change of its own; undefined for changes that leave it as it was. */
export function stateAfter(type: Change["type"]): ProcessState | undefined {
  switch (type) {
    case "start-container":
    case "start-process":
    case "resume":
      return "running";
    case "pause":
      return "paused";
    case "exit":
      return "stopped";
    default:
      return undefined;
  }
}

/** The API's container status for the init's state (API.md): a container is listed from its start on. */
export function containerStatus(init: ProcessState): ContainerStatus {
  return init === "running" || init === "paused" ? init : init === "created" ? "running" : "stopped";
}

/** The API's process status (API.md's Process: "running" | "exited"). */
export function processStatus(state: ProcessState): "running" | "exited" {
  return state === "stopped" || state === "deleted" ? "exited" : "running";
}

/** Whether a process in this state still has a live process behind it. */
export function isLive(state: ProcessState): boolean {
  return state === "created" || state === "running" || state === "paused";
}
