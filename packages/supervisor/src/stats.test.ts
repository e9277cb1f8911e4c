import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cgroups } from "@berth/sys";
import { readStats } from "./stats.ts";

const root = mkdtempSync("/tmp/berth-stats-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` into a fresh dir under root; returns the dir. */
function cgroupDir(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe("cgroup v1", () => {
  const dirs: Record<string, string> = {
    cpuacct: cgroupDir("v1/cpuacct", {
      "cpuacct.usage": "3000000000\n",
      "cpuacct.usage_percpu": "1000000000 2000000000 \n",
      "cpuacct.stat": "user 120\nsystem 30\n",
    }),
    cpu: cgroupDir("v1/cpu", { "cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n" }),
    memory: cgroupDir("v1/memory", {
      "memory.usage_in_bytes": "4096000\n",
      "memory.max_usage_in_bytes": "8192000\n",
      "memory.limit_in_bytes": "67108864\n",
      "memory.failcnt": "3\n",
      "memory.memsw.usage_in_bytes": "4096000\n",
      "memory.memsw.max_usage_in_bytes": "8192000\n",
      "memory.memsw.limit_in_bytes": "9223372036854771712\n",
      "memory.memsw.failcnt": "0\n",
      "memory.stat": "cache 1024\nrss 2048\ntotal_cache 1024\n",
    }),
    pids: cgroupDir("v1/pids", { "pids.current": "4\n", "pids.max": "max\n" }),
    blkio: cgroupDir("v1/blkio", {
      "blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n",
      "blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\nTotal 3\n",
      "blkio.time_recursive": "8:0 77\n",
    }),
    hugetlb: cgroupDir("v1/hugetlb", {
      "hugetlb.2MB.usage_in_bytes": "2097152\n",
      "hugetlb.2MB.max_usage_in_bytes": "4194304\n",
      "hugetlb.2MB.failcnt": "1\n",
      "hugetlb.2MB.limit_in_bytes": "9223372036854771712\n",
    }),
  };
  const cgroups: Cgroups = { version: 1, dir: (c) => dirs[c], mountPoint: () => undefined };

  test("reads each controller's files, in nanoseconds and bytes, leaving out unlimited limits", () => {
    const s = readStats(cgroups);
    expect(s.cpu).toEqual({
      usage: { total: 3_000_000_000, perCpu: [1_000_000_000, 2_000_000_000], user: 1_200_000_000, system: 300_000_000 },
      throttling: { periods: 10, throttledPeriods: 2, throttledTime: 5000 },
    });
    expect(s.memory.usage).toEqual({ usage: 4_096_000, max: 8_192_000, failcnt: 3, limit: 67_108_864 });
    expect(s.memory.swap).toEqual({ usage: 4_096_000, max: 8_192_000, failcnt: 0 });
    expect(s.memory.kernel).toEqual({ usage: 0, max: 0, failcnt: 0 });
    expect(s.memory.cache).toBe(1024);
    expect(s.memory.raw).toEqual({ cache: 1024, rss: 2048, total_cache: 1024 });
    expect(s.pids).toEqual({ current: 4 });
    expect(s.hugetlb).toEqual({ "2MB": { usage: 2_097_152, max: 4_194_304, failcnt: 1 } });
  });

  test("blkio falls back to the throttle files and skips the Total line; time has no op", () => {
    const { blkio } = readStats(cgroups);
    expect(blkio.ioServiceBytes).toEqual([
      { major: 8, minor: 0, op: "Read", value: 4096 },
      { major: 8, minor: 0, op: "Write", value: 8192 },
      { major: 8, minor: 0, op: "Total", value: 12288 },
    ]);
    expect(blkio.ioServiced.map((e) => e.value)).toEqual([1, 2]);
    expect(blkio.ioTime).toEqual([{ major: 8, minor: 0, op: "", value: 77 }]);
    expect(blkio.ioQueued).toEqual([]);
  });

  test("controllers that are not mounted read as zero and empty", () => {
    const s = readStats({ version: 1, dir: () => undefined, mountPoint: () => undefined });
    expect(s.cpu.usage).toEqual({ total: 0, perCpu: [], user: 0, system: 0 });
    expect(s.memory.usage).toEqual({ usage: 0, max: 0, failcnt: 0 });
    expect(s.hugetlb).toEqual({});
  });
});

describe("cgroup v2", () => {
  const dir = cgroupDir("v2", {
    "cpu.stat": "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 5\nnr_throttled 1\nthrottled_usec 40\n",
    "memory.current": "1048576\n",
    "memory.peak": "2097152\n",
    "memory.max": "4194304\n",
    "memory.events": "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n",
    "memory.swap.current": "1024\n",
    "memory.swap.max": "max\n",
    "memory.stat": "anon 4096\nfile 8192\nkernel 512\n",
    "pids.current": "2\n",
    "pids.max": "100\n",
    "io.stat": "259:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n",
    "hugetlb.1GB.current": "0\n",
    "hugetlb.1GB.events": "max 0\n",
  });

  test("reads the unified dir; swap counts memory plus swap as on v1", () => {
    const s = readStats({ version: 2, dir: () => dir, mountPoint: () => undefined });
    expect(s.cpu).toEqual({
      usage: { total: 3_000_000, perCpu: [], user: 2_000_000, system: 1_000_000 },
      throttling: { periods: 5, throttledPeriods: 1, throttledTime: 40_000 },
    });
    expect(s.memory.usage).toEqual({ usage: 1_048_576, max: 2_097_152, failcnt: 7, limit: 4_194_304 });
    expect(s.memory.swap).toEqual({ usage: 1_049_600, max: 2_097_152, failcnt: 0 });
    expect(s.memory.cache).toBe(8192);
    expect(s.memory.kernel.usage).toBe(512);
    expect(s.pids).toEqual({ current: 2, limit: 100 });
    expect(s.blkio.ioServiceBytes).toEqual([
      { major: 259, minor: 0, op: "Read", value: 10 },
      { major: 259, minor: 0, op: "Write", value: 20 },
    ]);
    expect(s.blkio.ioServiced.map((e) => e.value)).toEqual([1, 2]);
    expect(s.hugetlb).toEqual({ "1GB": { usage: 0, max: 0, failcnt: 0 } });
  });
});
