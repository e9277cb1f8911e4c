import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@berth/protocol";
import { cgroupsOf, readKeyed } from "@berth/sys";
import { OomWatch } from "./oom.ts";

const dir = mkdtempSync("/tmp/berth-shim-oom-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
const counter = (kills: number) => `oom_kill_disable 0\nunder_oom 0\noom_kill ${kills}\n`;

test("kills are counted from the start of the watch; each rise is told once, with the total", () => {
  const file = join(dir, "memory.oom_control");
  writeFileSync(file, counter(2));
  const told: number[] = [];
  const watch = new OomWatch(file, log, (kills) => told.push(kills));
  watch.check();
  expect(told).toEqual([]);
  writeFileSync(file, counter(3));
  watch.check();
  watch.check();
  expect(told).toEqual([1]);
  writeFileSync(file, counter(5));
  watch.close();
  expect(told).toEqual([1, 3]);
});

test("no kills, or a cgroup that is gone (removed, not OOM), tells nothing", () => {
  const file = join(dir, "memory.events");
  writeFileSync(file, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
  let told = 0;
  const watch = new OomWatch(file, log, () => told++);
  watch.check();
  rmSync(file);
  watch.close();
  expect(told).toBe(0);
});

test("a process whose memory cgroup has a kill counter is watched; a gone one is not, and that is logged", async () => {
  const watch = OomWatch.start(process.pid, log, () => {});
  expect(watch).toBeDefined();
  watch!.close();
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  expect(OomWatch.start(proc.pid, log, () => {})).toBeUndefined();
  expect(lines.at(-1)).toStartWith("warn no OOM kill counter");
});

test("the kills before a run are read where runc will put the cgroup: a new one has none; a systemd path is unknown", () => {
  // This process's own memory cgroup, named absolutely (as a bundle's cgroupsPath names a cgroup that exists).
  const own = cgroupsOf(process.pid)!;
  const memory = own.dir("memory")!;
  const kills = readKeyed(`${memory}/${own.version === 1 ? "memory.oom_control" : "memory.events"}`).oom_kill;
  expect(kills).toBeNumber();
  expect(OomWatch.countBefore(memory.slice(own.mountPoint("memory")!.length) || "/", "x")).toBe(kills!);
  // No cgroupsPath: runc makes <own cgroup>/<id>, which does not exist yet.
  expect(OomWatch.countBefore(undefined, `berth-oom-test-${process.pid}`)).toBe(0);
  expect(OomWatch.countBefore("/no/such/berth/cgroup", "x")).toBe(0);
  expect(OomWatch.countBefore("system.slice:berth:x", "x")).toBeUndefined();
});
