/** The process routes' shapes: adding an exec, updating a process's stdio or terminal, waiting, reading logs. */
import { type Static, Type as T } from "@sinclair/typebox";
import { absolutePath, example, ID_PATTERN, stdioPath, User } from "./schemas.ts";

export const Rlimit = T.Object({
  type: T.String({ pattern: "^RLIMIT_[A-Z]+$", description: 'the limit, e.g. "RLIMIT_NOFILE"' }),
  soft: T.Integer({ minimum: 0, description: "soft limit" }),
  hard: T.Integer({ minimum: 0, description: "hard limit" }),
}, { additionalProperties: false, description: "a resource limit (setrlimit)" });

export const AddProcess = T.Object({
  pid: T.String({ pattern: ID_PATTERN, description: "the exec's id, unique in the container (not \"init\")", examples: ["ls1"] }),
  args: T.Array(T.String(), { minItems: 1, description: "its argv; args[0] is looked up in the container's PATH", examples: [["ls", "-l", "/"]] }),
  env: T.Optional(T.Array(T.String(), { description: 'its environment, "KEY=value" (default: the container\'s init environment)' })),
  cwd: T.Optional(absolutePath("working directory inside the container (default /)")),
  user: T.Optional(User),
  terminal: T.Optional(T.Boolean({ description: "give it a pty (resize with PATCH or attach)" })),
  stdin: stdioPath("stdin", "default /dev/null (or the terminal)"),
  stdout: stdioPath("stdout", "default: captured by the shim (see the logs route)"),
  stderr: stdioPath("stderr", "default: captured by the shim (see the logs route)"),
  capabilities: T.Optional(T.Array(T.String({ pattern: "^CAP_[A-Z_]+$" }), { description: 'e.g. "CAP_NET_ADMIN" (default: the init\'s capabilities)' })),
  rlimits: T.Optional(T.Array(Rlimit, { description: "resource limits (default: the init's)" })),
  noNewPrivileges: T.Optional(T.Boolean({ description: "set no_new_privs" })),
  apparmorProfile: T.Optional(T.String({ description: "AppArmor profile to run it under" })),
  selinuxLabel: T.Optional(T.String({ description: "SELinux label to run it with" })),
}, {
  $id: "AddProcess",
  additionalProperties: false,
  description: "an exec to run in a running container",
  examples: [{ pid: "ls1", args: ["ls", "-l", "/"] }],
});
export type AddProcess = Static<typeof AddProcess>;

export const ProcessPatch = T.Object({
  closeStdin: T.Optional(T.Boolean({ description: "drop the shim's write end of the process's stdin FIFO, so it reads EOF" })),
  width: T.Optional(T.Integer({ minimum: 1, maximum: 65535, description: "terminal columns (with height)", examples: [120] })),
  height: T.Optional(T.Integer({ minimum: 1, maximum: 65535, description: "terminal rows (with width)", examples: [40] })),
}, {
  $id: "ProcessPatch",
  additionalProperties: false,
  description: "close a process's stdin, or resize its terminal",
  // What works on the demo container's init, which has no terminal: {"width":120,"height":40} resizes one that has.
  examples: [{ closeStdin: true }],
});
export type ProcessPatch = Static<typeof ProcessPatch>;

export const WaitResult = T.Object({
  status: T.Integer({ description: "exit code, 128+N when killed by signal N, 255 when unknown" }),
}, { $id: "WaitResult", description: "the process has exited" });
export type WaitResult = Static<typeof WaitResult>;

export const LogsQuery = T.Object({
  follow: T.Optional(T.Boolean({ description: "keep streaming new output until the process's output ends", ...example(false) })),
  tail: T.Optional(T.Number({ minimum: 0, multipleOf: 1, description: "only the last N lines", ...example(10) })),
  timestamps: T.Optional(T.Boolean({ description: "start each line with the RFC 3339 time it was written (to 0.1 s) and a space" })),
  since: T.Optional(T.String({ description: "only lines written after this RFC 3339 time" })),
});
export type LogsQuery = Static<typeof LogsQuery>;

/** A text frame of the attach WebSocket: resize the terminal, or close the process's stdin after what was sent. */
export const AttachControl = T.Union([
  T.Object({ resize: T.Object({ width: T.Integer({ minimum: 1, description: "columns" }), height: T.Integer({ minimum: 1, description: "rows" }) }) }),
  T.Object({ closeStdin: T.Literal(true, { description: "close the process's stdin once the input sent before it is written" }) }),
]);
export type AttachControl = Static<typeof AttachControl>;
