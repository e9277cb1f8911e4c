import { afterEach, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Change } from "@berth/protocol";
import { ChangeLog, currentLife, exitOf, readChanges } from "./changes.ts";

const dirs: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) Bun.spawnSync(["umount", "-l", m]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const dir = mkdtempSync("/tmp/berth-changes-");
  dirs.push(dir);
  return dir;
};

test("changes are numbered from 1, told once durable, in order, and read back", async () => {
  const path = join(tmp(), "changes.jsonl");
  const told: number[] = [];
  const log = new ChangeLog(path, (c) => told.push(c.change));
  log.append("start-container", "init", { systemPid: 42 });
  log.append("start-process", "e1", { systemPid: 43 });
  const { written, change } = log.append("exit", "e1", { status: 5 });
  await written;
  expect(change).toMatchObject({ change: 3, type: "exit", pid: "e1", status: 5 });
  expect(told).toEqual([1, 2, 3]);
  expect(readChanges(path).map((c) => c.change)).toEqual([1, 2, 3]);
  expect(log.after(1).map((c) => c.type)).toEqual(["start-process", "exit"]);
  log.close();
  // A new writer (a restarted container's shim, or berthd after a shim's death) goes on from there.
  const again = new ChangeLog(path);
  expect(again.append("exit", "init", { status: 137 }).change.change).toBe(4);
  again.close();
});

test("a torn last line is skipped by the reader and cut off before the next append", async () => {
  const path = join(tmp(), "changes.jsonl");
  const log = new ChangeLog(path);
  await log.append("start-container", "init").written;
  log.close();
  appendFileSync(path, '{"change":2,"type":"ex');
  expect(readChanges(path).map((c) => c.change)).toEqual([1]);
  const next = new ChangeLog(path);
  await next.append("exit", "init", { status: 0 }).written;
  next.close();
  const lines = readFileSync(path, "utf8").trim().split("\n");
  expect(lines.map((l) => (JSON.parse(l) as Change).change)).toEqual([1, 2]);
});

test("on a full disk an append is all or nothing: the first attempt says unavailable and why, the change waits, then goes out in order", async () => {
  const dir = tmp();
  expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).exitCode).toBe(0);
  mounts.push(dir);
  const path = join(dir, "changes.jsonl");
  const told: number[] = [];
  const log = new ChangeLog(path, (c) => told.push(c.change));
  await log.append("start-container", "init").written;
  // Fill the filesystem, then the page the log's last line sits in.
  Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(dir, "fill")}`, "bs=4k"], { stderr: "ignore" });
  let failed: Error | undefined;
  const pending = [];
  for (let i = 0; i < 200 && !failed; i++) {
    const p = log.append("update", "init");
    pending.push(p);
    failed = await p.firstAttempt.then(() => undefined, (e: Error) => e);
  }
  expect(failed?.message).toContain("no space left on device");
  expect(log.lastError).toBeDefined();
  // Nothing torn: every line on disk is whole, and nothing after the failed one went out.
  const before = readFileSync(path, "utf8");
  expect(before.endsWith("\n")).toBe(true);
  expect(told).toEqual(readChanges(path).map((c) => c.change));
  const later = log.append("exit", "init", { status: 137 });
  rmSync(join(dir, "fill"));
  await later.written;
  expect(told).toEqual(told.map((_, i) => i + 1));
  expect(readChanges(path).at(-1)).toMatchObject({ type: "exit", status: 137 });
  log.close();
});

test("currentLife is what follows the last start: a restarted container's earlier exits are not its current one's", () => {
  const c = (change: number, type: Change["type"], pid = "init", status?: number): Change =>
    ({ change, type, pid, ...(status === undefined ? {} : { status }), at: "" });
  const log = [c(1, "start-container"), c(2, "exit", "init", 1), c(3, "start-container"), c(4, "start-process", "e1")];
  expect(exitOf(log, "init")).toBe(1);
  expect(exitOf(currentLife(log), "init")).toBeUndefined();
  expect(currentLife([c(1, "oom")]).length).toBe(1);
});
