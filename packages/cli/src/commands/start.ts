/**
 * `containers start`: one container from an OCI bundle (its path made absolute), optionally attached to its init
 * until it exits; or many from a file of CreateContainer bodies (a JSON array, or one JSON object per line),
 * started a few at a time with progress.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { CreateContainer } from "@berth/protocol";
import { pairs, UsageError, type Values } from "../args.ts";
import { attach } from "../attach.ts";
import { batch } from "../batch.ts";
import { command, JSON_OPTION } from "../command.ts";
import { json, line } from "../output.ts";
import { absolute, callerDir } from "../paths.ts";
import { waiting } from "../progress.ts";
import { parseRestart, RESTART_OPTION } from "../restart.ts";

const OPTIONS = {
  label: { type: "string", multiple: true, arg: "K=V", help: "a label" },
  runtime: { type: "string", arg: "R", help: "OCI runtime binary for this container (default: berthd's)" },
  "runtime-args": { type: "string", multiple: true, flagValues: true, arg: "A", help: "runtime argument for this container, e.g. --runtime-args --root=/x" },
  "no-pivot": { type: "boolean", help: "do not use pivot_root (for a rootfs on a ramdisk)" },
  stdin: { type: "string", arg: "PATH", help: "the init's stdin: a FIFO or file you own" },
  stdout: { type: "string", arg: "PATH", help: "the init's stdout: a FIFO or file you own (default: captured, see logs)" },
  stderr: { type: "string", arg: "PATH", help: "the init's stderr: a FIFO or file you own (default: captured, see logs)" },
  checkpoint: { type: "string", arg: "NAME", help: "restore this checkpoint (runc restore) instead of starting anew" },
  "checkpoint-dir": { type: "string", arg: "DIR", help: "where the checkpoint is (default <bundle>/checkpoints)" },
  attach: { type: "boolean", short: "a", help: "attach to the init (its output from the start), exit with its exit status" },
  rm: { type: "boolean", help: "remove the container once its init has exited (else it is kept, stopped, until rm)" },
  ...RESTART_OPTION,
  "from-file": { type: "string", arg: "FILE", help: "start every container described in FILE (- for stdin)" },
  ...JSON_OPTION,
} as const;

export const start = command({
  name: "start",
  summary: "Start a container from an OCI bundle; returns once its init runs and prints its id",
  details: [
    "The bundle path is made absolute. With --attach, berth shows the init's output from its start, sends your input",
    "to it when it has a terminal (Ctrl-P Ctrl-Q detaches), and exits with its exit status.",
    "",
    "--from-file FILE: a JSON array of CreateContainer bodies (docs/api.md), or one such JSON object per line; relative",
    "bundle paths are taken from FILE's directory. Flags given with it apply to every entry that does not set them",
    "(labels add up). Up to four start at once. berth prints the ids it started, in the file's order, and counts",
    "them on stderr (\"12 started, 1 failed\"); the exit status is 1 if any failed.",
  ].join("\n"),
  args: "ID BUNDLE | --from-file FILE",
  arity: [0, 2],
  options: OPTIONS,
  async run({ client }, values, positionals) {
    const file = values["from-file"];
    if (file !== undefined) {
      if (positionals.length || values.attach) throw new UsageError("--from-file takes no ID, BUNDLE or --attach");
      const { results, failed } = await batch(readEntries(file, defaults(values)), { doing: "starting", done: "started" }, (c) => c.id, (c) => client.create(c));
      const started = results.filter((c) => c !== undefined);
      await (values.json ? json(started) : started.length ? line(started.map((c) => c.id).join("\n")) : Promise.resolve());
      return failed ? 1 : 0;
    }
    const [id, bundle] = positionals;
    if (id === undefined || bundle === undefined) throw new UsageError("expected ID BUNDLE, or --from-file FILE");
    if (values.attach && values.json) throw new UsageError("--attach and --json do not go together");
    const container = await waiting(`starting ${id}`, client.create({ id, bundlePath: absolute(bundle), ...defaults(values) }));
    const init = container.processes.find((p) => p.pid === "init")!;
    if (values.attach) return attach(client, { id, process: init, fromStart: true });
    await (values.json ? json(container) : line(id));
  },
});

type Defaults = Omit<CreateContainer, "id" | "bundlePath">;

/** The request fields the flags give, absolute paths as given. */
function defaults(values: Values<typeof OPTIONS>): Defaults {
  const paths = { stdin: values.stdin, stdout: values.stdout, stderr: values.stderr, checkpointDir: values["checkpoint-dir"] };
  const out: Defaults = {};
  for (const [key, path] of Object.entries(paths)) if (path !== undefined) out[key as keyof typeof paths] = absolute(path);
  if (values.label) out.labels = pairs("label", values.label);
  if (values.runtime !== undefined) out.runtime = values.runtime;
  if (values["runtime-args"]) out.runtimeArgs = values["runtime-args"];
  if (values["no-pivot"]) out.noPivotRoot = true;
  if (values.checkpoint !== undefined) out.checkpoint = values.checkpoint;
  if (values.rm) out.autoRemove = true;
  if (values.restart !== undefined) out.restart = parseRestart(values.restart);
  return out;
}

/** The file's entries, with the flags' defaults and absolute bundle paths, each checked against CreateContainer. */
function readEntries(file: string, flags: Defaults): CreateContainer[] {
  const text = file === "-" ? readFileSync(0, "utf8") : readFileSync(absolute(file), "utf8");
  const base = file === "-" ? callerDir() : dirname(absolute(file));
  const parseJson = (where: string, json: string): unknown => {
    try {
      return JSON.parse(json);
    } catch (err) {
      throw new UsageError(`${file}, ${where}: ${(err as Error).message}`);
    }
  };
  const entries: { where: string; value: unknown }[] = [];
  if (text.trimStart().startsWith("[")) {
    const list = parseJson("the array", text);
    if (Array.isArray(list)) list.forEach((value, i) => entries.push({ where: `entry ${i + 1}`, value }));
  } else {
    text.split("\n").forEach((l, i) => {
      if (l.trim() && !l.trim().startsWith("#")) entries.push({ where: `line ${i + 1}`, value: parseJson(`line ${i + 1}`, l) });
    });
  }
  return entries.map(({ where, value }) => {
    const entry = { ...flags, ...(value as object) } as Record<string, unknown>;
    if (typeof entry.bundlePath === "string") entry.bundlePath = resolve(base, entry.bundlePath);
    if (flags.labels && Array.isArray((value as Defaults).labels)) entry.labels = [...flags.labels, ...(value as Defaults).labels!];
    if (!Value.Check(CreateContainer, entry)) {
      const error = Value.Errors(CreateContainer, entry).First();
      throw new UsageError(`${file}, ${where}: ${error ? `${error.path || "/"} ${error.message}` : "not a CreateContainer"}`);
    }
    return entry;
  });
}
