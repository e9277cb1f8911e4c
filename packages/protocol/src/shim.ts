/**
 * What berthd and a shim say to each other over the shim's RPC socket (rpc.ts frames it). The shim owns its
 * processes' states (lifecycle.ts) and every runtime call for a live container; berthd asks and mirrors.
 *
 * Notifications from the shim: `change` (a Change, once it is durable in the change log), `deleted` ({}: the
 * runtime's container is gone and the shim is about to exit), and on an attached connection `output`
 * ({pid, data: base64}) and `output-end` ({pid}).
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { type Change, ProcessState } from "./lifecycle.ts";
import type { Resources } from "./operations.ts";

export const ShimProcessState = T.Object({
  pid: T.String(),
  systemPid: T.Integer(),
  state: ProcessState,
  exitStatus: T.Optional(T.Integer()),
});
export type ShimProcessState = Static<typeof ShimProcessState>;

export const ShimState = T.Object({
  shimPid: T.Integer(),
  processes: T.Array(ShimProcessState),
});
export type ShimState = Static<typeof ShimState>;

/** How `runc checkpoint` is run for a checkpoint (runtime's CheckpointOptions). */
export interface ShimCheckpoint {
  imagePath: string;
  workPath: string;
  leaveRunning: boolean;
  tcp: boolean;
  unixSockets: boolean;
  shell: boolean;
  emptyNamespaces: string[];
}

type None = Record<string, never>;
type Pid = { pid: string };
/** An operation that records a change answers with its number, so berthd can wait until it is journaled. */
type Changed = { change: number };

/** Shim RPC methods: request params and results, by method name. */
export interface ShimMethods {
  /**
   * Creates the container and runs its init (`runc run --detach`, or `runc restore --detach` from a checkpoint);
   * answers once the init runs, with its start-container change (which carries the init's host pid).
   */
  start: { params: None; result: Changed };
  /** Runs an exec whose ProcessRecord berthd has written; answers once it runs. */
  exec: { params: Pid; result: { systemPid: number } & Changed };
  signal: { params: Pid & { signal: number }; result: None };
  pause: { params: None; result: Partial<Changed> };
  resume: { params: None; result: Partial<Changed> };
  update: { params: { resources: Resources }; result: Changed };
  checkpoint: { params: ShimCheckpoint; result: Changed };
  closeStdin: { params: Pid; result: None };
  resize: { params: Pid & { width: number; height: number }; result: None };
  /** Subscribes this connection to the process's output. */
  attach: { params: Pid; result: None };
  /** Writes base64 `data` to the process's stdin (its terminal, or the pipe the shim holds). */
  write: { params: Pid & { data: string }; result: None };
  state: { params: None; result: ShimState };
  /** Every durable change numbered above `after`, in order. */
  changes: { params: { after: number }; result: { changes: Change[] } };
  /** A container that was created and never started: the runtime deletes it and the shim exits. */
  delete: { params: None; result: None };
}
