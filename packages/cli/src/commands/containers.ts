/**
 * The containers group: list, inspect, kill, pause, resume, update and delete, plus start and stats from their
 * own files. Each of these also works without the word `containers` (`berth kill ID`).
 */
import type { Container, Resources } from "@berth/protocol";
import { type OptionSpecs, UsageError } from "../args.ts";
import { batch } from "../batch.ts";
import { command, type Group, JSON_OPTION, ONE_ID, PID_OPTION } from "../command.ts";
import { json, line } from "../output.ts";
import { parseSize } from "../units.ts";
import { containerDetails, containersTable } from "../views.ts";
import { start } from "./start.ts";
import { stats } from "./stats.ts";

const list = command({
  name: "list",
  aliases: ["ls"],
  summary: "List running and paused containers: ID, STATUS, PIDS, LABELS, BUNDLE, sorted by id; -a adds stopped ones",
  details: [
    "--filter KEY=VALUE keeps the containers that match: label=K (has label K), label=K=V, status=running|paused|stopped,",
    "id=PREFIX. Filters with the same key match any of their values; different keys must all match. status=stopped",
    "looks at stopped containers too, as -a does.",
  ].join("\n"),
  options: {
    ...JSON_OPTION,
    all: { type: "boolean", short: "a", help: "also stopped containers (kept until rm, or --retain-stopped)" },
    quiet: { type: "boolean", short: "q", help: "print only the ids" },
    filter: { type: "string", short: "f", multiple: true, arg: "KEY=VALUE", help: "label=K[=V], status=S or id=PREFIX" },
  },
  async run({ client }, { json: asJson, quiet, all, filter = [] }) {
    const keep = containerFilter(filter);
    const containers = (await client.containers(all || filter.includes("status=stopped"))).filter(keep);
    if (asJson) return json(containers);
    await line(quiet ? containers.map((c) => c.id).sort().join("\n") : containersTable(containers));
  },
});

const inspect = command({
  name: "inspect",
  aliases: ["info"],
  summary: "Show one container and its processes, or one process with --pid",
  ...ONE_ID,
  options: { ...JSON_OPTION, pid: { type: "string", arg: "P", help: "show this process (\"init\" or an exec id) instead, as JSON" } },
  async run({ client }, { json: asJson, pid }, [id]) {
    if (pid !== undefined) return json(await client.process(id!, pid));
    const container = await client.container(id!);
    await (asJson ? json(container) : line(containerDetails(container)));
  },
});

const kill = command({
  name: "kill",
  summary: "Send a signal to a process of the container (default: SIGTERM to its init)",
  ...ONE_ID,
  options: { ...PID_OPTION, signal: { type: "string", short: "s", arg: "S", help: "signal name or number: SIGKILL, KILL, 9 (default SIGTERM)" } },
  async run({ client }, { pid, signal = "SIGTERM" }, [id]) {
    await client.signal(id!, { pid: pid ?? "init", signal: /^\d+$/.test(signal) ? Number(signal) : signal });
  },
});

/** pause and resume: the PATCH of the container's status; prints the id, as docker does. */
const setStatus = (name: string, status: "paused" | "running", summary: string) => command({
  name,
  summary,
  ...ONE_ID,
  options: JSON_OPTION,
  async run({ client }, { json: asJson }, [id]) {
    const container = await client.update(id!, { status });
    await (asJson ? json(container) : line(id!));
  },
});

const pause = setStatus("pause", "paused", "Freeze every process of the container");
const resume = setStatus("resume", "running", "Thaw a paused container");

type Field = keyof Resources;
const size = (field: Field, help: string) => ({ field, parse: parseSize, help: `${help} in bytes, or 512k, 64m, 1g; -1 removes it` });
const number = (field: Field, help: string) => ({ field, parse: toInteger, help });
const cpus = (field: Field, help: string) => ({ field, parse: (_: string, v: string) => v, help });

/** Each flag of `update` and the Resources field it sets. */
const RESOURCE_FLAGS = {
  "memory-limit": size("memoryLimit", "memory limit"),
  "memory-reservation": size("memoryReservation", "memory soft limit"),
  "memory-swap": size("memorySwap", "memory plus swap limit"),
  "kernel-memory-limit": size("kernelMemoryLimit", "kernel memory limit (ignored by runc on recent kernels)"),
  "cpu-shares": number("cpuShares", "relative CPU weight"),
  "cpu-period": number("cpuPeriod", "CFS period in microseconds"),
  "cpu-quota": number("cpuQuota", "CFS quota in microseconds per period; -1 removes it"),
  "cpuset-cpus": cpus("cpusetCpus", "CPUs the container may use, e.g. 0-2,4"),
  "cpuset-mems": cpus("cpusetMems", "memory nodes the container may use, e.g. 0"),
  "blkio-weight": number("blkioWeight", "block IO weight, 10 to 1000"),
  "pids-limit": number("pidsLimit", "maximum number of processes; -1 removes it"),
};

function toInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} must be an integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

const RESOURCE_OPTIONS: OptionSpecs = Object.fromEntries(Object.entries(RESOURCE_FLAGS).map(([flag, { help }]) =>
  [flag, { type: "string", arg: flag.startsWith("cpuset") ? "LIST" : "N", help }]));

const update = command({
  name: "update",
  summary: "Change the container's resource limits (runc update); only the flags given change",
  ...ONE_ID,
  options: { ...RESOURCE_OPTIONS, ...JSON_OPTION },
  async run({ client }, values, [id]) {
    const resources: Record<string, string | number> = {};
    for (const [flag, { field, parse }] of Object.entries(RESOURCE_FLAGS)) {
      const value = (values as Record<string, unknown>)[flag];
      if (typeof value === "string") resources[field] = parse(flag, value);
    }
    if (!Object.keys(resources).length) throw new UsageError(`update needs at least one of --${Object.keys(RESOURCE_FLAGS).join(", --")}`);
    const container = await client.update(id!, { resources: resources as Resources });
    if (values.json) await json(container);
  },
});

const remove = command({
  name: "delete",
  aliases: ["rm"],
  summary: "Remove containers; a running one only with --force (SIGKILL, then wait for its exit); prints each id removed",
  details: "A stopped container is kept (ls -a, logs, inspect) until it is removed, replaced by a create of its id, or pushed out by berthd's --retain-stopped.",
  args: "ID [ID...]",
  arity: [1, Infinity],
  options: { force: { type: "boolean", short: "f", help: "kill a running container (thawed first if paused) and remove it" } },
  async run({ client }, { force }, ids) {
    const { results, failed } = await batch(ids, { doing: "deleting", done: "deleted" }, (id) => id, async (id) => {
      await client.remove(id, force ?? false);
      return id;
    });
    const removed = results.filter((id) => id !== undefined);
    if (removed.length) await line(removed.join("\n"));
    return failed ? 1 : 0;
  },
});

/** A predicate from `--filter` words: same keys OR'ed, different keys AND'ed (docker's rule). */
export function containerFilter(filters: string[]): (c: Container) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const m = /^(label|status|id)=(.*)$/.exec(f);
    if (!m || !m[2]) throw new UsageError(`--filter takes label=K[=V], status=S or id=PREFIX, not ${JSON.stringify(f)}`);
    if (m[1] === "status" && !["running", "paused", "stopped"].includes(m[2])) {
      throw new UsageError(`--filter status= takes running, paused or stopped, not ${JSON.stringify(m[2])}`);
    }
    byKey.set(m[1]!, [...(byKey.get(m[1]!) ?? []), m[2]]);
  }
  const matches: Record<string, (c: Container, value: string) => boolean> = {
    label: (c, v) => c.labels.some((l) => (v.includes("=") ? l === v : l === v || l.startsWith(`${v}=`))),
    status: (c, v) => c.status === v,
    id: (c, v) => c.id.startsWith(v),
  };
  return (c) => [...byKey].every(([key, values]) => values.some((v) => matches[key]!(c, v)));
}

export const containers: Group = {
  name: "containers",
  aliases: ["container", "c"],
  summary: "Manage containers (these commands also work without the word 'containers')",
  commands: [list, start, inspect, kill, pause, resume, update, stats, remove],
};
