/**
 * Shapes of the container operations (API.md): the PATCH body with its Resources, the delete query, Stats read
 * from the container's cgroups, and checkpoints with their create body and query.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { AbsolutePath, ID_PATTERN, Timestamp } from "./schemas.ts";

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
}, { $id: "Resources", additionalProperties: false });
export type Resources = Static<typeof Resources>;

export const ContainerPatch = T.Object({
  status: T.Optional(T.Union([T.Literal("paused"), T.Literal("running")], { description: "pause or resume the container" })),
  resources: T.Optional(Resources),
}, { $id: "ContainerPatch", additionalProperties: false });
export type ContainerPatch = Static<typeof ContainerPatch>;

export const DeleteQuery = T.Object({
  force: T.Optional(T.Boolean({ description: "kill a running container (SIGKILL, thawed first if paused) and remove it" })),
});

const count = T.Integer({ minimum: 0 });
const MemoryUsage = T.Object({
  usage: count,
  max: count,
  failcnt: count,
  limit: T.Optional(T.Integer({ minimum: 0, description: "absent when unlimited" })),
});
const BlkioEntry = T.Object({ major: count, minor: count, op: T.String(), value: count });
const blkioList = T.Array(BlkioEntry);

export const Stats = T.Object({
  timestamp: Timestamp,
  cpu: T.Object({
    usage: T.Object({
      total: T.Integer({ description: "nanoseconds" }),
      perCpu: T.Array(T.Integer(), { description: "nanoseconds per CPU (cgroup v1 only)" }),
      user: T.Integer({ description: "nanoseconds" }),
      system: T.Integer({ description: "nanoseconds" }),
    }),
    throttling: T.Object({ periods: count, throttledPeriods: count, throttledTime: T.Integer({ description: "nanoseconds" }) }),
  }),
  memory: T.Object({
    usage: MemoryUsage,
    swap: MemoryUsage,
    kernel: MemoryUsage,
    cache: count,
    raw: T.Record(T.String(), T.Integer(), { description: "memory.stat as it is" }),
  }, { description: "bytes; swap counts memory plus swap, as cgroup v1 does" }),
  pids: T.Object({ current: count, limit: T.Optional(T.Integer({ minimum: 0, description: "absent when unlimited" })) }),
  blkio: T.Object({
    ioServiceBytes: blkioList,
    ioServiced: blkioList,
    ioQueued: blkioList,
    ioServiceTime: blkioList,
    ioWaitTime: blkioList,
    ioMerged: blkioList,
    ioTime: blkioList,
    sectors: blkioList,
  }),
  hugetlb: T.Record(T.String(), T.Object({ usage: count, max: count, failcnt: count }), { description: "by page size" }),
}, { $id: "Stats" });
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

const CheckpointName = T.String({ pattern: ID_PATTERN, description: "checkpoint name" });
const criuOptions = {
  exit: T.Boolean({ description: "stop the container after the checkpoint" }),
  tcp: T.Boolean({ description: "allow open TCP connections" }),
  unixSockets: T.Boolean({ description: "allow external unix sockets" }),
  shell: T.Boolean({ description: "allow shell jobs" }),
  emptyNamespaces: T.Array(T.String({ pattern: "^[a-z]+$" }), { description: "namespaces to create without restoring their properties" }),
};

export const Checkpoint = T.Object({ name: CheckpointName, created: Timestamp, ...criuOptions }, { $id: "Checkpoint" });
export type Checkpoint = Static<typeof Checkpoint>;

export const CreateCheckpoint = T.Object({
  name: CheckpointName,
  exit: T.Optional(criuOptions.exit),
  tcp: T.Optional(criuOptions.tcp),
  unixSockets: T.Optional(criuOptions.unixSockets),
  shell: T.Optional(criuOptions.shell),
  emptyNamespaces: T.Optional(criuOptions.emptyNamespaces),
  checkpointDir: T.Optional(AbsolutePath),
}, { $id: "CreateCheckpoint", additionalProperties: false });
export type CreateCheckpoint = Static<typeof CreateCheckpoint>;

export const CheckpointQuery = T.Object({
  checkpointDir: T.Optional(AbsolutePath),
});
export type CheckpointQuery = Static<typeof CheckpointQuery>;
