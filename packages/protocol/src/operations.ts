/**
 * Shapes of the container operations (docs/api.md): the PATCH body with its Resources, the delete query, Stats read
 * from the container's cgroups, and checkpoints with their create body and query.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { absolutePath, example, ID_PATTERN, Timestamp } from "./schemas.ts";

const bytes = (description: string) => T.Optional(T.Integer({ minimum: -1, description: `${description}; -1 removes the limit` }));
const cpus = (description: string) => T.Optional(T.String({ pattern: "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$", description }));

/** Resource limits as `runc update` applies them; a field left out (or 0) stays as it is. */
export const Resources = T.Object({
  memoryLimit: bytes("memory limit in bytes"),
  memoryReservation: bytes("memory soft limit in bytes"),
  memorySwap: bytes("memory plus swap limit in bytes"),
  kernelMemoryLimit: bytes("kernel memory limit in bytes (runc ignores it on recent kernels)"),
  cpuShares: T.Optional(T.Integer({ minimum: 0, description: "relative CPU weight" })),
  cpuPeriod: T.Optional(T.Integer({ minimum: 0, description: "CFS period in microseconds" })),
  cpuQuota: T.Optional(T.Integer({ minimum: -1, description: "CFS quota in microseconds per period; -1 removes it" })),
  cpusetCpus: cpus('CPUs the container may use, e.g. "0-2,4"'),
  cpusetMems: cpus('memory nodes the container may use, e.g. "0"'),
  blkioWeight: T.Optional(T.Integer({ minimum: 0, maximum: 1000, description: "block IO weight, 10 to 1000" })),
  pidsLimit: T.Optional(T.Integer({ minimum: -1, description: "maximum number of processes; -1 removes the limit" })),
}, { $id: "Resources", additionalProperties: false, description: "resource limits, as runc update applies them; a field left out stays as it is", examples: [{ memoryLimit: 67108864, pidsLimit: 100 }] });
export type Resources = Static<typeof Resources>;

export const ContainerPatch = T.Object({
  status: T.Optional(T.Union([T.Literal("paused"), T.Literal("running")], { description: "paused freezes the container, running thaws it; the status it has changes nothing" })),
  resources: T.Optional(Resources),
}, {
  $id: "ContainerPatch",
  additionalProperties: false,
  description: "pause, resume or update the container: resources first, then status",
  examples: [{ resources: { memoryLimit: 67108864, pidsLimit: 100 } }],
});
export type ContainerPatch = Static<typeof ContainerPatch>;

export const DeleteQuery = T.Object({
  force: T.Optional(T.Boolean({ description: "kill a running container (SIGKILL, thawed first if paused) and remove it", ...example(true) })),
});

const count = (description: string) => T.Integer({ minimum: 0, description });
const MemoryUsage = (what: string) => T.Object({
  usage: count(`${what} in use, in bytes`),
  max: count(`peak ${what} use, in bytes`),
  failcnt: count("times the limit was hit"),
  limit: T.Optional(T.Integer({ minimum: 0, description: "the limit in bytes; absent when unlimited" })),
}, { description: what });
const BlkioEntry = T.Object({
  major: count("device major number"),
  minor: count("device minor number"),
  op: T.String({ description: "Read, Write, Sync, Async, Discard or Total" }),
  value: count("the count (bytes, operations, ns, ... as the list says)"),
});
const blkioList = (description: string) => T.Array(BlkioEntry, { description });

export const Stats = T.Object({
  timestamp: T.String({ description: "when the cgroup files were read (RFC 3339 with nanoseconds)" }),
  cpu: T.Object({
    usage: T.Object({
      total: T.Integer({ description: "CPU time used, in nanoseconds" }),
      perCpu: T.Array(T.Integer(), { description: "nanoseconds per CPU (cgroup v1 only; empty on v2)" }),
      user: T.Integer({ description: "user CPU time, in nanoseconds" }),
      system: T.Integer({ description: "system CPU time, in nanoseconds" }),
    }, { description: "CPU time" }),
    throttling: T.Object({
      periods: count("CFS periods elapsed"),
      throttledPeriods: count("periods in which the container was throttled"),
      throttledTime: T.Integer({ description: "time throttled, in nanoseconds" }),
    }, { description: "CFS quota throttling" }),
  }, { description: "CPU" }),
  memory: T.Object({
    usage: MemoryUsage("memory"),
    swap: MemoryUsage("memory plus swap (as cgroup v1 counts it)"),
    kernel: MemoryUsage("kernel memory"),
    cache: count("page cache, in bytes"),
    raw: T.Record(T.String(), T.Integer(), { description: "memory.stat as it is" }),
  }, { description: "memory, in bytes" }),
  pids: T.Object({
    current: count("processes in the container"),
    limit: T.Optional(T.Integer({ minimum: 0, description: "its pids limit; absent when unlimited" })),
  }, { description: "processes" }),
  blkio: T.Object({
    ioServiceBytes: blkioList("bytes transferred, per device and operation"),
    ioServiced: blkioList("IO operations, per device and operation"),
    ioQueued: blkioList("IO operations queued (cgroup v1)"),
    ioServiceTime: blkioList("time serving IO, in ns (cgroup v1)"),
    ioWaitTime: blkioList("time waiting for IO, in ns (cgroup v1)"),
    ioMerged: blkioList("IO operations merged (cgroup v1)"),
    ioTime: blkioList("time with IO in flight, in ms (cgroup v1)"),
    sectors: blkioList("sectors transferred (cgroup v1)"),
  }, { description: "block IO" }),
  hugetlb: T.Record(T.String(), T.Object({
    usage: count("huge pages in use, in bytes"),
    max: count("peak use, in bytes"),
    failcnt: count("times the limit was hit"),
  }), { description: "huge pages, by page size (e.g. \"2MB\")" }),
}, { $id: "Stats", description: "the container's usage, read from its cgroups" });
export type Stats = Static<typeof Stats>;

/** One process of the container as the host sees it (GET .../top), read from /proc; no runtime call. */
export const TopProcess = T.Object({
  pid: T.Integer({ description: "host pid" }),
  ppid: T.Integer({ description: "host pid of its parent (outside the container for the init)" }),
  uid: T.Integer({ description: "real uid, as the host sees it" }),
  user: T.String({ description: "the uid's name in the host's /etc/passwd, else the uid itself" }),
  cpuPercent: T.Number({ description: "CPU time over the time since the process started, in percent (ps's %CPU)" }),
  cpuTime: T.Number({ description: "user plus system CPU time, in seconds" }),
  startedAt: Timestamp,
  command: T.Array(T.String(), { description: "its argv; [name] when it has none (a zombie)" }),
}, { $id: "TopProcess" });
export type TopProcess = Static<typeof TopProcess>;

const CheckpointName = T.String({ pattern: ID_PATTERN, description: "the checkpoint's name", examples: ["cp1"] });
const criuOptions = {
  exit: T.Boolean({ description: "stop the container after the checkpoint" }),
  tcp: T.Boolean({ description: "allow open TCP connections" }),
  unixSockets: T.Boolean({ description: "allow external unix sockets" }),
  shell: T.Boolean({ description: "allow shell jobs" }),
  emptyNamespaces: T.Array(T.String({ pattern: "^[a-z]+$" }), { description: "namespaces to create without restoring their properties" }),
};

export const Checkpoint = T.Object({
  name: CheckpointName,
  created: T.String({ description: "when it was taken (RFC 3339 with nanoseconds)" }),
  ...criuOptions,
}, { $id: "Checkpoint", description: "a checkpoint and the CRIU options it was taken with" });
export type Checkpoint = Static<typeof Checkpoint>;

export const CreateCheckpoint = T.Object({
  name: CheckpointName,
  exit: T.Optional(criuOptions.exit),
  tcp: T.Optional(criuOptions.tcp),
  unixSockets: T.Optional(criuOptions.unixSockets),
  shell: T.Optional(criuOptions.shell),
  emptyNamespaces: T.Optional(criuOptions.emptyNamespaces),
  checkpointDir: T.Optional(absolutePath("where to write it (default <bundle>/checkpoints)")),
}, { $id: "CreateCheckpoint", additionalProperties: false, description: "a checkpoint to take (CRIU)", examples: [{ name: "cp1" }] });
export type CreateCheckpoint = Static<typeof CreateCheckpoint>;

export const CheckpointQuery = T.Object({
  checkpointDir: T.Optional(absolutePath("where the checkpoints are (default <bundle>/checkpoints)")),
});
export type CheckpointQuery = Static<typeof CheckpointQuery>;
