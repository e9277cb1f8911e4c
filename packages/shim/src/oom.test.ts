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

test("kills are counted from the start of the watch; each rise is recorded, then told, once", () => {
  const file = join(dir, "memory.oom_control");
  writeFileSync(file, counter(2));
  const layout = new ContainerLayout(mkdtempSync(join(dir, "c-")));
  let told = 0;
  const watch = new OomWatch(file, layout, log, () => {
    expect(readOomRecord(layout)).toBeDefined(); // on disk before anyone is told
    told++;
  });
  watch.check();
  expect([told, readOomRecord(layout)]).toEqual([0, undefined]);
  writeFileSync(file, counter(3));
  watch.check();
  watch.check();
  expect(told).toBe(1);
  expect(readOomRecord(layout)).toMatchObject({ kills: 1 });
  writeFileSync(file, counter(5));
  watch.close();
  expect(told).toBe(2);
  expect(readOomRecord(layout)).toMatchObject({ kills: 3 });
});

test("no kills, or a cgroup that is gone (removed, not OOM), records nothing", () => {
  const file = join(dir, "memory.events");
  writeFileSync(file, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
  const layout = new ContainerLayout(mkdtempSync(join(dir, "c-")));
  let told = 0;
  const watch = new OomWatch(file, layout, log, () => told++);
  watch.check();
  rmSync(file);
  watch.close();
  expect(told).toBe(0);
  expect(readOomRecord(layout)).toBeUndefined();
});

test("a process whose memory cgroup has a kill counter is watched; a gone one is not, and that is logged", async () => {
  const layout = new ContainerLayout(mkdtempSync(join(dir, "c-")));
  const watch = OomWatch.start(process.pid, layout, log, () => {});
  expect(watch).toBeDefined();
  watch!.close();
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  expect(OomWatch.start(proc.pid, layout, log, () => {})).toBeUndefined();
  expect(lines.at(-1)).toStartWith("warn no OOM kill counter");
});
