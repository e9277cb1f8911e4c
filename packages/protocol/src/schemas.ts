/**
 * The API's shapes, once, as TypeBox schemas with their static types beside them. The HTTP routes, the CLI and
 * the shim RPC all import these; nothing declares a shape twice.
 */
import { type Static, Type as T } from "@sinclair/typebox";

export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$";
export const Id = T.String({ pattern: ID_PATTERN, description: "container or exec id" });
/** PATH_MAX: the kernel refuses longer paths, so a longer one is refused here (400) before anything tries it. */
export const PATH_MAX = 4096;
export const AbsolutePath = T.String({ pattern: "^/[^\\x00]*$", maxLength: PATH_MAX, description: "absolute path, without NUL bytes" });
/** RFC 3339 with nanoseconds, e.g. 2026-11-28T20:00:00.123456789Z */
export const Timestamp = T.String({ description: "RFC 3339 time with nanoseconds" });

export const ErrorBody = T.Object({
  error: T.Object({ code: T.String(), message: T.String() }),
}, { $id: "Error" });
export type ErrorBody = Static<typeof ErrorBody>;

export const CreateContainer = T.Object({
  id: Id,
  bundlePath: AbsolutePath,
  stdin: T.Optional(AbsolutePath),
  stdout: T.Optional(AbsolutePath),
  stderr: T.Optional(AbsolutePath),
  labels: T.Optional(T.Array(T.String())),
  noPivotRoot: T.Optional(T.Boolean()),
  runtime: T.Optional(T.String({ minLength: 1, maxLength: PATH_MAX })),
  runtimeArgs: T.Optional(T.Array(T.String())),
  checkpoint: T.Optional(T.String({ pattern: ID_PATTERN, description: "restore this checkpoint (runc restore) instead of starting anew" })),
  checkpointDir: T.Optional(AbsolutePath),
  autoRemove: T.Optional(T.Boolean({ description: "remove the container (and its logs) once its init has exited and it is cleaned up" })),
}, { $id: "CreateContainer", additionalProperties: false });
export type CreateContainer = Static<typeof CreateContainer>;

export const User = T.Object({
  uid: T.Integer({ minimum: 0 }),
  gid: T.Integer({ minimum: 0 }),
  additionalGids: T.Optional(T.Array(T.Integer({ minimum: 0 }))),
}, { additionalProperties: false });
export type User = Static<typeof User>;

export const ProcessStatus = T.Union([T.Literal("running"), T.Literal("exited")]);

export const Process = T.Object({
  pid: T.String({ description: '"init" or the exec id' }),
  systemPid: T.Integer(),
  args: T.Array(T.String()),
  env: T.Array(T.String()),
  cwd: T.String(),
  terminal: T.Boolean(),
  user: User,
  stdin: T.String(),
  stdout: T.String(),
  stderr: T.String(),
  status: ProcessStatus,
  exitStatus: T.Optional(T.Integer()),
}, { $id: "Process" });
export type Process = Static<typeof Process>;

export const ContainerStatus = T.Union([T.Literal("running"), T.Literal("paused"), T.Literal("stopped")]);
export type ContainerStatus = Static<typeof ContainerStatus>;

export const Container = T.Object({
  id: T.String(),
  bundlePath: T.String(),
  status: ContainerStatus,
  labels: T.Array(T.String()),
  runtime: T.String(),
  createdAt: Timestamp,
  pids: T.Array(T.Integer()),
  processes: T.Array(Process),
  exitStatus: T.Optional(T.Integer({ description: "the init's exit status, once the container is stopped" })),
  exitedAt: T.Optional(Timestamp),
}, { $id: "Container" });
export type Container = Static<typeof Container>;

export const ListQuery = T.Object({
  all: T.Optional(T.Boolean({ description: "include stopped containers" })),
});
export type ListQuery = Static<typeof ListQuery>;

export const SignalRequest = T.Object({
  pid: T.Optional(T.String({ default: "init", description: '"init" or an exec id' })),
  signal: T.Union([T.Integer({ minimum: 1, maximum: 64 }), T.String({ minLength: 1 })], {
    description: 'a signal number or a name such as "SIGTERM"',
  }),
}, { $id: "SignalRequest", additionalProperties: false });
export type SignalRequest = Static<typeof SignalRequest>;

export const EventType = T.Union([
  T.Literal("start-container"), T.Literal("start-process"), T.Literal("exit"), T.Literal("oom"),
  T.Literal("pause"), T.Literal("resume"), T.Literal("update"), T.Literal("checkpoint"),
]);
export type EventType = Static<typeof EventType>;

export const Event = T.Object({
  seq: T.Integer({ minimum: 1 }),
  type: EventType,
  id: T.String(),
  pid: T.Optional(T.String()),
  status: T.Optional(T.Integer()),
  timestamp: Timestamp,
}, { $id: "Event" });
export type Event = Static<typeof Event>;

export const EventsQuery = T.Object({
  since: T.Optional(Timestamp),
  // Number with multipleOf rather than Integer: query strings are coerced to Number only.
  after: T.Optional(T.Number({ minimum: 0, multipleOf: 1 })),
  storedOnly: T.Optional(T.Boolean()),
  id: T.Optional(Id),
});
export type EventsQuery = Static<typeof EventsQuery>;

export const Health = T.Object({ status: T.Literal("ok"), restoring: T.Boolean() }, { $id: "Health" });
export type Health = Static<typeof Health>;

export const Version = T.Object({
  version: T.String(),
  major: T.Integer(),
  minor: T.Integer(),
  patch: T.Integer(),
  revision: T.String(),
  runtime: T.String(),
}, { $id: "Version" });
export type Version = Static<typeof Version>;

export const Machine = T.Object({
  cpus: T.Integer(),
  memory: T.Integer({ description: "bytes" }),
});
export const State = T.Object({
  containers: T.Array(Container),
  machine: Machine,
}, { $id: "State" });
export type State = Static<typeof State>;
