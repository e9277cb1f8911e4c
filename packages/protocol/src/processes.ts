/** The process routes' shapes: adding an exec, updating a process's stdio or terminal, waiting, reading logs. */
import { type Static, Type as T } from "@sinclair/typebox";
import { AbsolutePath, Id, User } from "./schemas.ts";

export const Rlimit = T.Object({
  type: T.String({ pattern: "^RLIMIT_[A-Z]+$", description: 'e.g. "RLIMIT_NOFILE"' }),
  soft: T.Integer({ minimum: 0 }),
  hard: T.Integer({ minimum: 0 }),
}, { additionalProperties: false });

export const AddProcess = T.Object({
  pid: Id,
  args: T.Array(T.String(), { minItems: 1 }),
  env: T.Optional(T.Array(T.String(), { description: "default: the container's init environment" })),
  cwd: T.Optional(AbsolutePath),
  user: T.Optional(User),
  terminal: T.Optional(T.Boolean()),
  stdin: T.Optional(AbsolutePath),
  stdout: T.Optional(AbsolutePath),
  stderr: T.Optional(AbsolutePath),
  capabilities: T.Optional(T.Array(T.String({ pattern: "^CAP_[A-Z_]+$" }), { description: "default: the init's capabilities" })),
  rlimits: T.Optional(T.Array(Rlimit)),
  noNewPrivileges: T.Optional(T.Boolean()),
  apparmorProfile: T.Optional(T.String()),
  selinuxLabel: T.Optional(T.String()),
}, { $id: "AddProcess", additionalProperties: false });
export type AddProcess = Static<typeof AddProcess>;

export const ProcessPatch = T.Object({
  closeStdin: T.Optional(T.Boolean()),
  width: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
  height: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
}, { $id: "ProcessPatch", additionalProperties: false });
export type ProcessPatch = Static<typeof ProcessPatch>;

export const WaitResult = T.Object({ status: T.Integer() }, { $id: "WaitResult" });
export type WaitResult = Static<typeof WaitResult>;

export const LogsQuery = T.Object({
  follow: T.Optional(T.Boolean()),
  tail: T.Optional(T.Number({ minimum: 0, multipleOf: 1, description: "only the last N lines" })),
});
export type LogsQuery = Static<typeof LogsQuery>;

/** A text frame on the attach WebSocket. */
export const AttachControl = T.Object({
  resize: T.Object({ width: T.Integer({ minimum: 1 }), height: T.Integer({ minimum: 1 }) }),
});
export type AttachControl = Static<typeof AttachControl>;
