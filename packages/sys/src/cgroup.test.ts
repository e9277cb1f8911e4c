import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupsOf, parseCgroups, readKeyed } from "./cgroup.ts";

const dir = mkdtempSync("/tmp/berth-sys-cgroup-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MOUNTINFO_HYBRID = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "39 31 0:36 /outer /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");

test("hybrid v1: each controller's dir is its mount point plus the path, shared mounts and mount roots included", () => {
  const cg = parseCgroups([
    "9:name=systemd:/c1",
    "8:pids:/outer/c1",
    "4:memory:/sandbox/c1",
    "2:cpu,cpuacct:/c1",
    "0::/c1",
  ].join("\n"), MOUNTINFO_HYBRID);
  expect(cg.version).toBe(1);
  expect(cg.dir("memory")).toBe("/sys/fs/cgroup/memory/sandbox/c1");
  expect(cg.dir("cpu")).toBe("/sys/fs/cgroup/cpu,cpuacct/c1");
  expect(cg.dir("cpuacct")).toBe("/sys/fs/cgroup/cpu,cpuacct/c1");
  expect(cg.dir("pids")).toBe("/sys/fs/cgroup/pids/c1");
  expect(cg.dir("hugetlb")).toBeUndefined();
  expect(cg.dir("name=systemd")).toBeUndefined();
});

test("v2: every controller is in the one unified dir; the root cgroup is the mount point itself", () => {
  const mountinfo = "25 22 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";
  const cg = parseCgroups("0::/system.slice/c1\n", mountinfo);
  expect(cg.version).toBe(2);
  expect(cg.dir("memory")).toBe("/sys/fs/cgroup/system.slice/c1");
  expect(cg.dir("pids")).toBe("/sys/fs/cgroup/system.slice/c1");
  expect(parseCgroups("0::/\n", mountinfo).dir("memory")).toBe("/sys/fs/cgroup");
});

test("our own process has readable cgroups on this host; a gone process has none", async () => {
  const cg = cgroupsOf(process.pid)!;
  const memory = cg.dir("memory")!;
  expect(existsSync(join(memory, cg.version === 1 ? "memory.usage_in_bytes" : "memory.current"))).toBe(true);
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  expect(cgroupsOf(proc.pid)).toBeUndefined();
});

test("a flat-keyed file reads as numbers by name; a missing file reads as empty", () => {
  const path = join(dir, "memory.oom_control");
  writeFileSync(path, "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  expect(readKeyed(path)).toEqual({ oom_kill_disable: 0, under_oom: 0, oom_kill: 3 });
  expect(readKeyed(join(dir, "gone"))).toEqual({});
});
