/** What a shim says about its processes over RPC and in its exit records: shared by berth-shim and berthd. */
import { type Static, Type as T } from "@sinclair/typebox";

export const ExitRecord = T.Object({
  pid: T.String(),
  status: T.Integer(),
  exitedAt: T.String(),
});
export type ExitRecord = Static<typeof ExitRecord>;

export const ShimProcessState = T.Object({
  pid: T.String(),
  systemPid: T.Integer(),
  status: T.Union([T.Literal("created"), T.Literal("running"), T.Literal("exited")]),
  exitStatus: T.Optional(T.Integer()),
});
export type ShimProcessState = Static<typeof ShimProcessState>;

export const ShimState = T.Object({
  shimPid: T.Integer(),
  processes: T.Array(ShimProcessState),
});
export type ShimState = Static<typeof ShimState>;

type None = Record<string, never>;
type Pid = { pid: string };

/**
 * Shim RPC methods: request params and results, by method name. Notifications from the shim: `exit`
 * (an ExitRecord, once the process's output is drained), and on an attached connection `output`
 * ({pid, data: base64}) and `output-end` ({pid}).
 */
export interface ShimMethods {
  create: { params: None; result: { systemPid: number } };
  start: { params: None; result: None };
  /** Runs an exec whose ProcessRecord berthd has written; answers once it runs. */
  exec: { params: Pid; result: { systemPid: number } };
  signal: { params: Pid & { signal: number }; result: None };
  closeStdin: { params: Pid; result: None };
  resize: { params: Pid & { width: number; height: number }; result: None };
  /** Subscribes this connection to the process's output. */
  attach: { params: Pid; result: None };
  /** Writes base64 `data` to the process's stdin (its terminal, or the pipe the shim holds). */
  write: { params: Pid & { data: string }; result: None };
  state: { params: None; result: ShimState };
  shutdown: { params: None; result: None };
}
