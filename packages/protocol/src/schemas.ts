/**
 * The API's shapes, once, as TypeBox schemas with their static types beside them. The HTTP routes, the CLI and
 * the shim RPC all import these; nothing declares a shape twice.
 */
import { type Static, Type as T } from "@sinclair/typebox";

export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$";
export const Id = T.String({ pattern: ID_PATTERN, description: "container or exec id" });
/** PATH_MAX: the kernel refuses longer paths, so a longer one is refused here (400) before anything tries it. */
export const PATH_MAX = 4096;
/** An absolute path without NUL bytes, at most PATH_MAX long, with its description (and any other options). */
export const absolutePath = (description: string, options: object = {}) =>
  T.String({ pattern: "^/[^\\x00]*$", maxLength: PATH_MAX, description, ...options });
export const AbsolutePath = absolutePath("absolute path, without NUL bytes");
/**
 * Schema options giving an example both ways: `examples` (JSON Schema's, which Swagger UI reads for bodies) and
 * `example` (which it reads for path and query parameters).
 */
export const example = (value: unknown) => ({ examples: [value], example: value });

/** A container id, with the README's demo container as its example. */
export const ContainerId = T.String({ pattern: ID_PATTERN, description: "the container's id", ...example("demo") });
/** An optional stdio path of a create or an exec: `stream` is stdin, stdout or stderr; `otherwise` the default. */
export const stdioPath = (stream: string, otherwise: string) => T.Optional(absolutePath(
  `absolute path of a FIFO or regular file you own (or /dev/null) for the process's ${stream}; ${otherwise}`,
));
/** RFC 3339 with nanoseconds, e.g. 2026-11-28T20:00:00.123456789Z */
export const Timestamp = T.String({ description: "RFC 3339 time with nanoseconds" });

export const ErrorBody = T.Object({
  error: T.Object({
    code: T.String({ description: "invalid_argument, unauthenticated, not_found, already_exists, failed_precondition, payload_too_large, runtime_error, timeout, unavailable or internal" }),
    message: T.String({ description: "what failed, with its context; a runtime error carries the runtime's own words" }),
  }, { description: "what went wrong" }),
}, { $id: "Error", description: "an error: its code decides the HTTP status" });
export type ErrorBody = Static<typeof ErrorBody>;

export const User = T.Object({
  uid: T.Integer({ minimum: 0, description: "user id inside the container" }),
  gid: T.Integer({ minimum: 0, description: "group id inside the container" }),
  additionalGids: T.Optional(T.Array(T.Integer({ minimum: 0 }), { description: "supplementary group ids" })),
}, { additionalProperties: false, description: "the process's user (default uid 0, gid 0)" });
export type User = Static<typeof User>;

export const ProcessStatus = T.Union([T.Literal("running"), T.Literal("exited")], { description: "running, or exited (then exitStatus is set)" });

export const Process = T.Object({
  pid: T.String({ description: '"init" or the exec id' }),
  systemPid: T.Integer({ description: "its pid on the host" }),
  args: T.Array(T.String(), { description: "its argv" }),
  env: T.Array(T.String(), { description: 'its environment, "KEY=value"' }),
  cwd: T.String({ description: "its working directory inside the container" }),
  terminal: T.Boolean({ description: "whether it has a pty" }),
  user: User,
  stdin: T.String({ description: 'the stdin path given at its start, "" when none' }),
  stdout: T.String({ description: 'the stdout path given at its start, "" when captured' }),
  stderr: T.String({ description: 'the stderr path given at its start, "" when captured' }),
  status: ProcessStatus,
  exitStatus: T.Optional(T.Integer({ description: "exit code, 128+N when killed by signal N, 255 when unknown" })),
}, { $id: "Process", description: "a process of a container: its init or an exec" });
export type Process = Static<typeof Process>;

export const ContainerStatus = T.Union([T.Literal("running"), T.Literal("paused"), T.Literal("stopped")], {
  description: "running, paused (frozen), or stopped (its init has exited)",
});
export type ContainerStatus = Static<typeof ContainerStatus>;

/** A restart policy (API.md): docker's, on the lifecycle model. */
export const Restart = T.Object({
  policy: T.Union([T.Literal("no"), T.Literal("on-failure"), T.Literal("always"), T.Literal("unless-stopped")], { description: "no, on-failure, always or unless-stopped" }),
  maxRetries: T.Optional(T.Integer({ minimum: 0, description: "at most this many restarts (on-failure)" })),
}, { $id: "Restart", additionalProperties: false, description: "what to do when the init exits" });
export type Restart = Static<typeof Restart>;

export const Container = T.Object({
  id: T.String({ description: "the container's id" }),
  bundlePath: T.String({ description: "its OCI bundle" }),
  status: ContainerStatus,
  labels: T.Array(T.String(), { description: "the labels it was created with" }),
  runtime: T.String({ description: "the OCI runtime binary that runs it" }),
  createdAt: T.String({ description: "when it was created (RFC 3339 with nanoseconds)" }),
  pids: T.Array(T.Integer(), { description: "host pids of every process in its cgroup, sorted" }),
  processes: T.Array(Process, { description: "its init and its execs" }),
  exitStatus: T.Optional(T.Integer({ description: "the init's exit status, once the container is stopped" })),
  exitedAt: T.Optional(T.String({ description: "when its init exited, once the container is stopped (RFC 3339 with nanoseconds)" })),
  image: T.Optional(T.Object({
    reference: T.String({ description: "the image as the create named it" }),
    digest: T.String({ description: "the image in berthd's store: sha256 of its config" }),
  }, { description: "for a container created from an image" })),
  restart: T.Optional(Restart),
  restartCount: T.Optional(T.Integer({ minimum: 0, description: "how many times its restart policy has started a new init" })),
  restartAt: T.Optional(T.String({ description: "when its restart policy starts it again, while a restart is pending (RFC 3339)" })),
}, { $id: "Container", description: "a container" });
export type Container = Static<typeof Container>;

export const ListQuery = T.Object({
  all: T.Optional(T.Boolean({ description: "include stopped containers", ...example(false) })),
});
export type ListQuery = Static<typeof ListQuery>;

export const SignalRequest = T.Object({
  pid: T.Optional(T.String({ default: "init", description: 'the process: "init" or an exec id', examples: ["init"] })),
  signal: T.Union([T.Integer({ minimum: 1, maximum: 64 }), T.String({ minLength: 1 })], {
    description: 'a signal number or a name such as "SIGTERM" or "TERM"',
    examples: ["SIGTERM"],
  }),
}, { $id: "SignalRequest", additionalProperties: false, description: "a signal for one process of the container", examples: [{ signal: "SIGTERM" }] });
export type SignalRequest = Static<typeof SignalRequest>;

export const EventType = T.Union([
  T.Literal("start-container"), T.Literal("start-process"), T.Literal("exit"), T.Literal("oom"),
  T.Literal("pause"), T.Literal("resume"), T.Literal("update"), T.Literal("checkpoint"),
], { description: "what happened" });
export type EventType = Static<typeof EventType>;

export const Event = T.Object({
  seq: T.Integer({ minimum: 1, description: "sequence number: one more per event over the life of the state dir" }),
  type: EventType,
  id: T.String({ description: "the container" }),
  pid: T.Optional(T.String({ description: 'the process of a start-process or exit event: "init" or an exec id' })),
  status: T.Optional(T.Integer({ description: "the exit status of an exit event" })),
  timestamp: T.String({ description: "when it happened (RFC 3339 with nanoseconds)" }),
}, { $id: "Event", description: "one event of the journal" });
export type Event = Static<typeof Event>;

export const EventsQuery = T.Object({
  since: T.Optional(T.String({ description: "stored events strictly after this RFC 3339 time first" })),
  // Number with multipleOf rather than Integer: query strings are coerced to Number only.
  after: T.Optional(T.Number({ minimum: 0, multipleOf: 1, description: "stored events with a greater seq first (0: all kept)", ...example(0) })),
  storedOnly: T.Optional(T.Boolean({ description: "end the stream after the stored events (needs since, after or Last-Event-ID)", ...example(true) })),
  id: T.Optional(T.String({ pattern: ID_PATTERN, description: "only this container's events" })),
});
export type EventsQuery = Static<typeof EventsQuery>;

export const Health = T.Object({
  status: T.Literal("ok", { description: "always ok: berthd answers" }),
  restoring: T.Boolean({ description: "true until every container is restored after a start" }),
}, { $id: "Health", description: "berthd is up" });
export type Health = Static<typeof Health>;

export const Version = T.Object({
  version: T.String({ description: 'berthd\'s version, "MAJOR.MINOR.PATCH"' }),
  major: T.Integer({ description: "its major number" }),
  minor: T.Integer({ description: "its minor number" }),
  patch: T.Integer({ description: "its patch number" }),
  revision: T.String({ description: 'the git revision it runs from, or "unknown"' }),
  runtime: T.String({ description: "the OCI runtime binary (--runtime)" }),
}, { $id: "Version", description: "berthd's version" });
export type Version = Static<typeof Version>;

export const Machine = T.Object({
  cpus: T.Integer({ description: "online CPUs" }),
  memory: T.Integer({ description: "total memory in bytes" }),
}, { description: "the host" });
export const State = T.Object({
  containers: T.Array(Container, { description: "every container, as GET /v1/containers lists them" }),
  machine: Machine,
}, { $id: "State", description: "the host and its containers" });
export type State = Static<typeof State>;
