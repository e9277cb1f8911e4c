/**
 * `exec [-i] [-t] ID CMD...`: run a process in a running container (AddProcess), detached (prints its exec id) or
 * attached from its start until it exits, with its exit status as berth's. The container is the first word (or
 * `--id ID`); every word after it is the command line, options included, as docker and podman read it.
 */
import { randomBytes } from "node:crypto";
import type { AddProcess } from "@berth/protocol";
import { pairs, parseUser, UsageError } from "../args.ts";
import { attach } from "../attach.ts";
import { command, JSON_OPTION } from "../command.ts";
import { json, line } from "../output.ts";
import { absolute } from "../paths.ts";

export const exec = command({
  name: "exec",
  summary: "Run a process in a running container: berth exec -it ID sh",
  details: [
    "Options go before ID; every word after ID is the command line. Without --pid the exec gets a generated id.",
    "Without -i or --attach, berth prints the exec id once the process runs; with either, berth shows its output from",
    "the start, sends your input to it when it has a terminal (-t; Ctrl-P Ctrl-Q detaches), and exits with its exit",
    "status. Without a terminal the process reads /dev/null unless --stdin names a FIFO. The process gets the",
    "container's environment plus --env, its capabilities and rlimits unless given here, and runs as uid 0 in /",
    "unless --user and --cwd say otherwise.",
  ].join("\n"),
  args: "ID CMD...",
  arity: [1, Infinity],
  passThrough: { passThrough: 1, standsFor: "id" },
  options: {
    id: { type: "string", arg: "ID", help: "the container, instead of the first word" },
    pid: { type: "string", arg: "P", help: "the exec id (default: exec-<random>)" },
    interactive: { type: "boolean", short: "i", help: "attach your terminal to it (as --attach); input reaches it with -t" },
    tty: { type: "boolean", short: "t", help: "give the process a terminal" },
    attach: { type: "boolean", short: "a", help: "attach to it and exit with its exit status" },
    env: { type: "string", short: "e", multiple: true, arg: "K=V", help: "set an environment variable (the container's others stay)" },
    cwd: { type: "string", arg: "DIR", help: "working directory inside the container (default /)" },
    user: { type: "string", short: "u", arg: "UID[:GID]", help: "numeric user and group (default 0:0)" },
    stdin: { type: "string", arg: "PATH", help: "stdin: a FIFO or file you own" },
    stdout: { type: "string", arg: "PATH", help: "stdout: a FIFO or file you own (default: captured, see logs)" },
    stderr: { type: "string", arg: "PATH", help: "stderr: a FIFO or file you own (default: captured, see logs)" },
    cap: { type: "string", multiple: true, arg: "CAP", help: "capability, e.g. CAP_NET_ADMIN (replaces the container's)" },
    rlimit: { type: "string", multiple: true, arg: "TYPE=SOFT[:HARD]", help: "resource limit, e.g. nofile=1024:4096" },
    "no-new-privileges": { type: "boolean", help: "set no_new_privs" },
    "apparmor-profile": { type: "string", arg: "NAME", help: "AppArmor profile" },
    "selinux-label": { type: "string", arg: "LABEL", help: "SELinux label" },
    ...JSON_OPTION,
  },
  async run({ client }, values, positionals) {
    const [id, ...args] = values.id === undefined ? positionals : [values.id, ...positionals];
    if (id === undefined || !args.length) throw new UsageError("expected ID CMD...: the container, then the command to run");
    const attached = values.attach || values.interactive;
    if (attached && values.json) throw new UsageError("--attach (or -i) and --json do not go together");
    const request: AddProcess = { pid: values.pid ?? `exec-${randomBytes(3).toString("hex")}`, args };
    if (values.tty) request.terminal = true;
    if (values.env) request.env = withEnv((await client.process(id, "init")).env, pairs("env", values.env));
    if (values.cwd !== undefined) request.cwd = values.cwd;
    if (values.user !== undefined) request.user = parseUser(values.user);
    for (const key of ["stdin", "stdout", "stderr"] as const) if (values[key] !== undefined) request[key] = absolute(values[key]!);
    if (values.cap) request.capabilities = values.cap.map((c) => (c.toUpperCase().startsWith("CAP_") ? c : `CAP_${c}`).toUpperCase());
    if (values.rlimit) request.rlimits = values.rlimit.map(parseRlimit);
    if (values["no-new-privileges"]) request.noNewPrivileges = true;
    if (values["apparmor-profile"] !== undefined) request.apparmorProfile = values["apparmor-profile"];
    if (values["selinux-label"] !== undefined) request.selinuxLabel = values["selinux-label"];
    const added = await client.addProcess(id, request);
    if (attached) return attach(client, { id, process: added, fromStart: true });
    await (values.json ? json(added) : line(added.pid));
  },
});

/** The container's environment with the given variables set, in place or added. */
function withEnv(base: string[], set: string[]): string[] {
  const key = (kv: string) => kv.slice(0, kv.indexOf("="));
  const keys = new Set(set.map(key));
  return [...base.filter((kv) => !keys.has(key(kv))), ...set];
}

function parseRlimit(value: string): NonNullable<AddProcess["rlimits"]>[number] {
  const m = /^([A-Za-z_]+)=(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--rlimit takes TYPE=SOFT[:HARD], e.g. nofile=1024:4096, not ${JSON.stringify(value)}`);
  const type = m[1]!.toUpperCase();
  return { type: type.startsWith("RLIMIT_") ? type : `RLIMIT_${type}`, soft: Number(m[2]), hard: Number(m[3] ?? m[2]) };
}
