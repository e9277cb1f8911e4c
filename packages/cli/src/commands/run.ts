/**
 * `run`: a container from a root filesystem (--rootfs DIR) or an OCI image, with no bundle to write: berthd writes
 * it from the image's config and these flags. In the foreground by default: attached to the init from its start,
 * with berth exiting with its exit status (Ctrl-P Ctrl-Q detaches from a terminal); `-d` prints the id instead.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerthError, type CreateContainer, type Resources } from "@berth/protocol";
import { makeFifo } from "@berth/sys";
import { integer, pairs, parseUser, UsageError, type Values } from "../args.ts";
import { attach } from "../attach.ts";
import type { BerthClient } from "../client.ts";
import { command, JSON_OPTION } from "../command.ts";
import { json, line, warn } from "../output.ts";
import { absolute } from "../paths.ts";
import { waiting } from "../progress.ts";
import { parseRestart, RESTART_OPTION } from "../restart.ts";
import { parseSize } from "../units.ts";

const OPTIONS = {
  detach: { type: "boolean", short: "d", help: "start it and print its id, instead of attaching" },
  interactive: { type: "boolean", short: "i", help: "send your stdin to it (without -t: berthd must be on this machine)" },
  tty: { type: "boolean", short: "t", help: "give it a terminal" },
  rm: { type: "boolean", help: "remove the container once it has exited (with -d: berthd removes it, as start --rm)" },
  name: { type: "string", arg: "ID", help: "the container id (default: run-<random>)" },
  env: { type: "string", short: "e", multiple: true, arg: "K=V", help: "set an environment variable (over the image's)" },
  workdir: { type: "string", short: "w", arg: "DIR", help: "working directory inside the container" },
  user: { type: "string", short: "u", arg: "UID[:GID]", help: "numeric user and group (default: the image's, else 0:0)" },
  volume: { type: "string", short: "v", multiple: true, arg: "SRC:DST[:ro]", help: "bind-mount host path SRC at DST, read-only with :ro" },
  memory: { type: "string", arg: "SIZE", help: "memory limit, e.g. 64m or 1g" },
  cpus: { type: "string", arg: "N", help: "CPUs it may use, e.g. 1.5 (a CFS quota)" },
  "pids-limit": { type: "string", arg: "N", help: "maximum number of processes" },
  rootfs: { type: "string", arg: "DIR", help: "run this root filesystem instead of an image" },
  "read-only": { type: "boolean", help: "mount the root read-only" },
  label: { type: "string", multiple: true, arg: "K=V", help: "a label" },
  ...RESTART_OPTION,
  ...JSON_OPTION,
} as const;

export const run = command({
  name: "run",
  summary: "Run a command in a new container from an image or a root filesystem; no bundle needed",
  details: [
    "IMAGE is anything skopeo can read: oci:DIR[:TAG] (an OCI layout), docker-archive:FILE (docker save),",
    "docker://NAME[:TAG] (a registry, network permitting). Without a transport, a directory with an index.json",
    "is oci:DIR (DIR:TAG too), another existing file docker-archive:FILE, anything else docker://NAME.",
    "Relative paths are made absolute.",
    "berthd stores each image once (berth images) and gives every container an overlay of its own on it.",
    "",
    "CMD replaces the image's command (its entrypoint stays); without one the image's runs, else sh.",
    "In the foreground berth shows the output from the start and exits with the container's exit status;",
    "with -t Ctrl-P Ctrl-Q detaches and leaves it running. Options go before IMAGE (or before CMD with --rootfs);",
    "every word from there on is the image and the command line.",
    "",
    "--rm in the foreground: berth removes the container once it has shown its output and exit status (so one it",
    "detached from stays); with -d berthd removes it when it exits (autoRemove, as start --rm).",
  ].join("\n"),
  args: "IMAGE [CMD...] | --rootfs DIR [CMD...]",
  arity: [0, Infinity],
  passThrough: { passThrough: 0 },
  options: OPTIONS,
  async run({ client }, values, positionals) {
    if (!values.detach && values.json) throw new UsageError("--json goes with -d");
    const [source, args] = values.rootfs !== undefined
      ? [{ rootfs: absolute(values.rootfs) }, positionals]
      : [{ image: imageReference(positionals[0] ?? noImage()) }, positionals.slice(1)];
    const id = values.name ?? `run-${randomBytes(4).toString("hex")}`;
    const request: CreateContainer = { id, ...source, ...runFields(values, args) };
    // -i without -t: the init reads a FIFO of ours, which berthd's shim keeps open; attach input goes into it.
    const fifoDir = values.interactive && !values.tty ? mkdtempSync(join(tmpdir(), "berth-run-")) : undefined;
    if (fifoDir) makeFifo((request.stdin = join(fifoDir, "stdin")));
    let container;
    try {
      container = await waiting(`starting ${id}`, client.create(request));
    } finally {
      if (fifoDir) rmSync(fifoDir, { recursive: true, force: true });
    }
    if (values.detach) return void (await (values.json ? json(container) : line(id)));
    const init = container.processes.find((p) => p.pid === "init")!;
    const status = await attach(client, { id, process: init, fromStart: true, input: values.interactive ?? false, closeStdinAtEof: true });
    if (values.rm) await removeExited(client, id);
    return status;
  },
});

function noImage(): never {
  throw new UsageError("expected IMAGE, or --rootfs DIR");
}

/** process, mounts, resources and the rest of the create, from the flags. */
function runFields(values: Values<typeof OPTIONS>, args: string[]): Omit<CreateContainer, "id"> {
  const process: NonNullable<CreateContainer["process"]> = {};
  if (args.length) process.args = args;
  if (values.env) process.env = pairs("env", values.env);
  if (values.workdir !== undefined) process.cwd = values.workdir;
  if (values.user !== undefined) process.user = parseUser(values.user);
  if (values.tty) process.terminal = true;
  const resources: Resources = {};
  if (values.memory !== undefined) resources.memoryLimit = parseSize("memory", values.memory);
  if (values.cpus !== undefined) Object.assign(resources, cpuQuota(values.cpus));
  if (values["pids-limit"] !== undefined) resources.pidsLimit = integer("pids-limit", values["pids-limit"]);
  return {
    ...(Object.keys(process).length ? { process } : {}),
    ...(values.volume ? { mounts: values.volume.map(parseVolume) } : {}),
    ...(Object.keys(resources).length ? { resources } : {}),
    ...(values["read-only"] ? { readonlyRootfs: true } : {}),
    ...(values.label ? { labels: pairs("label", values.label) } : {}),
    ...(values.restart !== undefined ? { restart: parseRestart(values.restart) } : {}),
    // In the foreground berth removes it itself, after it has read the output and the exit status.
    ...(values.rm && values.detach ? { autoRemove: true } : {}),
  };
}

/** --cpus N as docker takes it: a CFS quota of N periods of 100 ms. */
function cpuQuota(value: string): Resources {
  const cpus = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || cpus <= 0) throw new UsageError(`--cpus takes a positive number such as 0.5 or 2, not ${JSON.stringify(value)}`);
  return { cpuPeriod: 100_000, cpuQuota: Math.round(cpus * 100_000) };
}

/** -v SRC:DST[:ro], SRC made absolute. */
function parseVolume(value: string): NonNullable<CreateContainer["mounts"]>[number] {
  const m = /^([^:]+):(\/[^:]*)(?::(ro|rw))?$/.exec(value);
  if (!m) throw new UsageError(`--volume takes SRC:DST[:ro] with an absolute DST, not ${JSON.stringify(value)}`);
  return { source: absolute(m[1]!), destination: m[2]!, ...(m[3] === "ro" ? { readonly: true } : {}) };
}

const TRANSPORTS = ["oci", "oci-archive", "docker-archive", "dir", "docker", "docker-daemon", "containers-storage"];
const PATH_TRANSPORTS = new Set(["oci", "oci-archive", "docker-archive", "dir"]);

/** The image argument as berthd takes it: a transport and absolute paths (see the command's details). */
export function imageReference(arg: string): string {
  const colon = arg.indexOf(":");
  const transport = arg.slice(0, colon);
  if (colon > 0 && TRANSPORTS.includes(transport)) {
    return PATH_TRANSPORTS.has(transport) ? `${transport}:${absolute(arg.slice(colon + 1))}` : arg;
  }
  const path = absolute(arg);
  const isLayout = (dir: string) => existsSync(join(dir, "index.json"));
  if (existsSync(path)) return statSync(path).isDirectory() && isLayout(path) ? `oci:${path}` : `docker-archive:${path}`;
  const tagged = /^(.+):([\w][\w.-]*)$/.exec(arg);
  if (tagged && isLayout(absolute(tagged[1]!))) return `oci:${absolute(tagged[1]!)}:${tagged[2]}`;
  return `docker://${arg}`;
}

/** `--rm` after the exit: the container may already be gone (berthd removes an exited one by itself). */
async function removeExited(client: BerthClient, id: string): Promise<void> {
  await client.remove(id, false).catch((err) => {
    if (err instanceof BerthError && err.code === "not_found") return;
    // Detached from: it runs on, and stays.
    if (err instanceof BerthError && err.code === "failed_precondition") return warn(`container ${id} is still running: --rm leaves it`);
    throw err;
  });
}
