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

/** Shim RPC methods: request params and results, by method name. */
export interface ShimMethods {
  create: { params: Record<string, never>; result: { systemPid: number } };
  start: { params: Record<string, never>; result: Record<string, never> };
  signal: { params: { pid: string; signal: number }; result: Record<string, never> };
  state: { params: Record<string, never>; result: ShimState };
  shutdown: { params: Record<string, never>; result: Record<string, never> };
}
