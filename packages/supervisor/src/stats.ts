/**
 * A container's Stats, read straight from its cgroup files (cheaper than `runc events --stats`): cgroup v1 from
 * each controller's dir, v2 from the unified dir. A file that is missing (a controller not mounted, no swap
 * accounting, no hugetlb) reads as zero or empty. Limits at the kernel's "unlimited" are left out.
 */
import { readdirSync, readFileSync } from "node:fs";
import { nowRfc3339, type Stats } from "@berth/protocol";
import { type Cgroups, readKeyed } from "@berth/sys";

type MemoryUsage = Stats["memory"]["usage"];
type BlkioEntry = Stats["blkio"]["ioServiceBytes"][number];
type Hugetlb = Stats["hugetlb"];

/** cpuacct.stat counts in USER_HZ ticks, which is 100 on Linux. */
const NS_PER_TICK = 10_000_000;

export function readStats(cgroups: Cgroups): Stats {
  return { timestamp: nowRfc3339(), ...(cgroups.version === 1 ? v1Stats(cgroups) : v2Stats(cgroups.dir("memory") ?? "")) };
}

function v1Stats(cg: Cgroups): Omit<Stats, "timestamp"> {
  const file = (controller: string, name: string) => {
    const dir = cg.dir(controller);
    return dir === undefined ? undefined : `${dir}/${name}`;
  };
  const keyed = (controller: string, name: string) => {
    const path = file(controller, name);
    return path === undefined ? {} : readKeyed(path);
  };
  const acct = keyed("cpuacct", "cpuacct.stat");
  const throttling = keyed("cpu", "cpu.stat");
  const memory = (prefix: string): MemoryUsage => ({
    usage: readNumber(file("memory", `${prefix}usage_in_bytes`)),
    max: readNumber(file("memory", `${prefix}max_usage_in_bytes`)),
    failcnt: readNumber(file("memory", `${prefix}failcnt`)),
    ...limit(readText(file("memory", `${prefix}limit_in_bytes`))),
  });
  const raw = keyed("memory", "memory.stat");
  const blkio = (name: string) => {
    for (const variant of [`blkio.${name}`, `blkio.bfq.${name}`, `blkio.throttle.${name}`]) {
      const text = readText(file("blkio", variant));
      if (text !== undefined) return blkioEntries(text);
    }
    return [];
  };
  return {
    cpu: {
      usage: {
        total: readNumber(file("cpuacct", "cpuacct.usage")),
        perCpu: (readText(file("cpuacct", "cpuacct.usage_percpu")) ?? "").split(/\s+/).filter(Boolean).map(Number),
        user: (acct.user ?? 0) * NS_PER_TICK,
        system: (acct.system ?? 0) * NS_PER_TICK,
      },
      throttling: {
        periods: throttling.nr_periods ?? 0,
        throttledPeriods: throttling.nr_throttled ?? 0,
        throttledTime: throttling.throttled_time ?? 0,
      },
    },
    memory: {
      usage: memory("memory."),
      swap: memory("memory.memsw."),
      kernel: memory("memory.kmem."),
      cache: raw.cache ?? 0,
      raw,
    },
    pids: { current: readNumber(file("pids", "pids.current")), ...limit(readText(file("pids", "pids.max"))) },
    blkio: {
      ioServiceBytes: blkio("io_service_bytes_recursive"),
      ioServiced: blkio("io_serviced_recursive"),
      ioQueued: blkio("io_queued_recursive"),
      ioServiceTime: blkio("io_service_time_recursive"),
      ioWaitTime: blkio("io_wait_time_recursive"),
      ioMerged: blkio("io_merged_recursive"),
      ioTime: blkio("time_recursive"),
      sectors: blkio("sectors_recursive"),
    },
    hugetlb: hugetlb(cg.dir("hugetlb"), "usage_in_bytes", (dir, size) => ({
      usage: readNumber(`${dir}/hugetlb.${size}.usage_in_bytes`),
      max: readNumber(`${dir}/hugetlb.${size}.max_usage_in_bytes`),
      failcnt: readNumber(`${dir}/hugetlb.${size}.failcnt`),
    })),
  };
}

function v2Stats(dir: string): Omit<Stats, "timestamp"> {
  const cpu = readKeyed(`${dir}/cpu.stat`);
  const raw = readKeyed(`${dir}/memory.stat`);
  const usage: MemoryUsage = {
    usage: readNumber(`${dir}/memory.current`),
    max: readNumber(`${dir}/memory.peak`),
    failcnt: readKeyed(`${dir}/memory.events`).max ?? 0,
    ...limit(readText(`${dir}/memory.max`)),
  };
  // v2 counts swap alone; like runc, report memory plus swap as v1 does.
  const swapLimit = limit(readText(`${dir}/memory.swap.max`)).limit;
  const swap: MemoryUsage = {
    usage: readNumber(`${dir}/memory.swap.current`) + usage.usage,
    max: readNumber(`${dir}/memory.swap.peak`) + usage.max,
    failcnt: readKeyed(`${dir}/memory.swap.events`).max ?? 0,
    ...(swapLimit !== undefined && usage.limit !== undefined ? { limit: swapLimit + usage.limit } : {}),
  };
  const io = ioStat(readText(`${dir}/io.stat`) ?? "");
  return {
    cpu: {
      usage: { total: (cpu.usage_usec ?? 0) * 1000, perCpu: [], user: (cpu.user_usec ?? 0) * 1000, system: (cpu.system_usec ?? 0) * 1000 },
      throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: (cpu.throttled_usec ?? 0) * 1000 },
    },
    memory: { usage, swap, kernel: { usage: raw.kernel ?? 0, max: 0, failcnt: 0 }, cache: raw.file ?? 0, raw },
    pids: { current: readNumber(`${dir}/pids.current`), ...limit(readText(`${dir}/pids.max`)) },
    blkio: { ioServiceBytes: io.bytes, ioServiced: io.ios, ioQueued: [], ioServiceTime: [], ioWaitTime: [], ioMerged: [], ioTime: [], sectors: [] },
    hugetlb: hugetlb(dir, "current", (d, size) => ({
      usage: readNumber(`${d}/hugetlb.${size}.current`),
      max: 0,
      failcnt: readKeyed(`${d}/hugetlb.${size}.events`).max ?? 0,
    })),
  };
}

function readText(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readNumber(path: string | undefined): number {
  const n = Number((readText(path) ?? "").trim());
  return Number.isSafeInteger(n) ? n : 0;
}

/** `{limit}` from a limit file, or nothing when it says "max" or holds v1's page-rounded "unlimited". */
function limit(text: string | undefined): { limit?: number } {
  const n = Number((text ?? "").trim());
  return text !== undefined && Number.isSafeInteger(n) && n >= 0 ? { limit: n } : {};
}

/** v1 blkio lines: "8:0 Read 4096" (or "8:0 4096" for time and sectors); the closing "Total N" line is skipped. */
function blkioEntries(text: string): BlkioEntry[] {
  const entries: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const [device, a, b] = line.trim().split(/\s+/);
    const [major, minor] = (device ?? "").split(":").map(Number);
    if (major === undefined || minor === undefined || Number.isNaN(minor) || a === undefined) continue;
    entries.push(b === undefined ? { major, minor, op: "", value: Number(a) } : { major, minor, op: a, value: Number(b) });
  }
  return entries;
}

/** v2 io.stat lines: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
function ioStat(text: string): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    const [major, minor] = (device ?? "").split(":").map(Number);
    if (major === undefined || minor === undefined || Number.isNaN(minor)) continue;
    const v = Object.fromEntries(pairs.map((p) => p.split("=")).map(([k, n]) => [k, Number(n)]));
    bytes.push({ major, minor, op: "Read", value: v.rbytes ?? 0 }, { major, minor, op: "Write", value: v.wbytes ?? 0 });
    ios.push({ major, minor, op: "Read", value: v.rios ?? 0 }, { major, minor, op: "Write", value: v.wios ?? 0 });
  }
  return { bytes, ios };
}

/** Per page size, from the files named hugetlb.<size>.<marker> in `dir`. */
function hugetlb(dir: string | undefined, marker: string, read: (dir: string, size: string) => Hugetlb[string]): Hugetlb {
  let names: string[];
  try {
    names = dir ? readdirSync(dir) : [];
  } catch {
    return {};
  }
  const sizes = names.map((n) => new RegExp(`^hugetlb\\.([^.]+)\\.${marker}$`).exec(n)?.[1]).filter((s): s is string => s !== undefined);
  return Object.fromEntries(sizes.map((size) => [size, read(dir!, size)]));
}
