/**
 * The checkpoint group (CRIU through runc): list a container's checkpoints, create one, delete one. Named
 * `checkpoint`, as docker and podman name it; `checkpoints` and `cp` still work (nothing else in berth is `cp`).
 */
import { command, type Group, JSON_OPTION, ONE_ID } from "../command.ts";
import { json, line } from "../output.ts";
import { absolute } from "../paths.ts";
import { waiting } from "../progress.ts";
import { checkpointsTable } from "../views.ts";

const DIR_OPTION = {
  "checkpoint-dir": { type: "string", arg: "DIR", help: "where checkpoints are (default <bundle>/checkpoints)" },
} as const;

const dirQuery = (dir: string | undefined) => (dir === undefined ? {} : { checkpointDir: absolute(dir) });

const list = command({
  name: "list",
  aliases: ["ls"],
  summary: "List the container's checkpoints",
  ...ONE_ID,
  options: { ...DIR_OPTION, ...JSON_OPTION },
  async run({ client }, values, [id]) {
    const checkpoints = await client.checkpoints(id!, dirQuery(values["checkpoint-dir"]));
    await (values.json ? json(checkpoints) : line(checkpointsTable(checkpoints)));
  },
});

const create = command({
  name: "create",
  summary: "Checkpoint the container (it keeps running unless --exit); prints the checkpoint's name",
  details: "Restore it with 'berth containers start ID BUNDLE --checkpoint NAME'.",
  args: "ID NAME",
  arity: [2, 2],
  options: {
    exit: { type: "boolean", help: "stop the container after the checkpoint" },
    tcp: { type: "boolean", help: "allow open TCP connections" },
    "unix-sockets": { type: "boolean", help: "allow external unix sockets" },
    shell: { type: "boolean", help: "allow shell jobs" },
    "empty-ns": { type: "string", multiple: true, arg: "NS", help: "namespace to create without restoring its properties, e.g. network" },
    ...DIR_OPTION,
    ...JSON_OPTION,
  },
  async run({ client }, values, [id, name]) {
    const checkpoint = await waiting(`checkpointing ${id}`, client.createCheckpoint(id!, {
      name: name!,
      ...(values.exit ? { exit: true } : {}),
      ...(values.tcp ? { tcp: true } : {}),
      ...(values["unix-sockets"] ? { unixSockets: true } : {}),
      ...(values.shell ? { shell: true } : {}),
      ...(values["empty-ns"] ? { emptyNamespaces: values["empty-ns"] } : {}),
      ...dirQuery(values["checkpoint-dir"]),
    }));
    await (values.json ? json(checkpoint) : line(checkpoint.name));
  },
});

const remove = command({
  name: "delete",
  aliases: ["rm"],
  summary: "Delete a checkpoint",
  args: "ID NAME",
  arity: [2, 2],
  options: DIR_OPTION,
  async run({ client }, values, [id, name]) {
    await client.removeCheckpoint(id!, name!, dirQuery(values["checkpoint-dir"]));
  },
});

export const checkpoints: Group = {
  name: "checkpoint",
  aliases: ["checkpoints", "cp"],
  summary: "Checkpoint containers with CRIU, list and delete checkpoints",
  commands: [list, create, remove],
};
