import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerLayout, readOomRecord } from "@berth/state";
import type { ShimLogger } from "./log.ts";
import { OomWatch } from "./oom.ts";

const dir = mkdtempSync("/tmp/berth-shim-oom-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const log: ShimLogger = (level, msg) => void lines.push(`${level} ${msg}`);
const counter = (kills: number) => `oom_kill_disable 0\nunder_oom 0\noom_kill ${kills}\n`;

test("kills are counted from the start of the watch, and recorded at exit", () => {
  const file = join(dir, "memory.oom_control");
  writeFileSync(file, counter(2));
  const watch = new OomWatch(file);
  expect(watch.kills()).toBe(0);
  writeFileSync(file, counter(3));
  expect(watch.kills()).toBe(1);
  const layout = new ContainerLayout(mkdtempSync(join(dir, "c-")));
  watch.record(layout, log);
  expect(readOomRecord(layout)).toMatchObject({ kills: 1 });
});

test("no kills, or a cgroup that is gone (removed, not OOM), records nothing", () => {
  const file = join(dir, "memory.events");
  writeFileSync(file, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
  const watch = new OomWatch(file);
  const layout = new ContainerLayout(mkdtempSync(join(dir, "c-")));
  watch.record(layout, log);
  rmSync(file);
  expect(watch.kills()).toBe(0);
  watch.record(layout, log);
  expect(readOomRecord(layout)).toBeUndefined();
});

test("a process whose memory cgroup has a kill counter is watched; a gone one is not, and that is logged", async () => {
  expect(OomWatch.start(process.pid, log)?.kills()).toBe(0);
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  expect(OomWatch.start(proc.pid, log)).toBeUndefined();
  expect(lines.at(-1)).toStartWith("warn no OOM kill counter");
});
