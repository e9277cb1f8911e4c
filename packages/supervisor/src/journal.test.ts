import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Event } from "@berth/protocol";
import { Journal } from "./journal.ts";

const RFC3339_NS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

let dir: string;
let path: string;
const open: Journal[] = [];
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-journal-");
  path = join(dir, "events.jsonl");
});
afterEach(() => {
  for (const j of open.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

function journal(retain = 100): Journal {
  const j = new Journal(path, retain);
  open.push(j);
  return j;
}

function reopen(j: Journal, retain = 100): Journal {
  j.close();
  open.splice(open.indexOf(j), 1);
  return journal(retain);
}

function fileLines(): string[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
}

function fileEvents(): Event[] {
  return fileLines().map((l) => JSON.parse(l));
}

describe("Journal", () => {
  test("append assigns seq 1, 2, 3 and an RFC 3339 timestamp, and writes each event as one line", () => {
    const j = journal();
    const a = j.append({ type: "start-container", id: "c1" });
    const b = j.append({ type: "exit", id: "c1", pid: "init", status: 3 });
    const c = j.append({ type: "exit", id: "c2", pid: undefined, status: 0 });
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    for (const e of [a, b, c]) expect(e.timestamp).toMatch(RFC3339_NS);
    expect(b).toMatchObject({ type: "exit", id: "c1", pid: "init", status: 3 });
    expect("pid" in c).toBe(false);
    expect(fileEvents()).toEqual([a, b, c]);
    expect(j.stored()).toEqual([a, b, c]);
    expect(j.nextSeq).toBe(4);
  });

  test("a reopened journal has the stored events and continues the sequence", () => {
    let j = journal();
    const first = [j.append({ type: "start-container", id: "c1" }), j.append({ type: "pause", id: "c1" })];
    j = reopen(j);
    expect(j.stored()).toEqual(first);
    expect(j.nextSeq).toBe(3);
    expect(j.skippedLines).toBe(0);
    expect(j.append({ type: "resume", id: "c1" }).seq).toBe(3);
    expect(fileEvents().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  test("a garbage line and a torn last line are skipped and counted; the next append gets a line of its own", () => {
    let j = journal();
    j.append({ type: "start-container", id: "c1" });
    j.append({ type: "start-process", id: "c1", pid: "e1" });
    j.close();
    open.splice(0);
    appendFileSync(path, "not json at all\n");
    appendFileSync(path, '{"seq":3,"type":"exit","id":"c1","timest'); // a crash mid-write: no newline
    j = journal();
    expect(j.skippedLines).toBe(2);
    expect(j.stored().map((e) => e.seq)).toEqual([1, 2]);
    const next = j.append({ type: "exit", id: "c1", pid: "init", status: 0 });
    expect(next.seq).toBe(3);
    const lines = fileLines();
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual(next);
    // And it loads again the same way: only the two bad lines are skipped.
    j = reopen(j);
    expect(j.skippedLines).toBe(2);
    expect(j.stored().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(j.nextSeq).toBe(4);
  });

  test("lines that are JSON but not events, or that repeat a seq, are skipped", () => {
    const ok = (seq: number) => JSON.stringify({ seq, type: "pause", id: "c1", timestamp: "2026-11-28T20:00:00.000000000Z" });
    writeFileSync(path, [ok(1), "{}", '{"seq":0,"type":"pause","id":"c1","timestamp":"x"}', "[1,2]", ok(2), ok(2), ok(1), ok(5), ""].join("\n"));
    const j = journal();
    expect(j.skippedLines).toBe(5);
    expect(j.stored().map((e) => e.seq)).toEqual([1, 2, 5]);
    expect(j.append({ type: "resume", id: "c1" }).seq).toBe(6);
  });

  test("keeps the newest retainCount in memory and compacts the file at twice that, through a rename", () => {
    let j = journal(3);
    for (let i = 0; i < 5; i++) j.append({ type: "exit", id: `c${i}` });
    expect(j.stored().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(fileLines().length).toBe(5); // not yet
    const inode = statSync(path).ino;
    j.append({ type: "exit", id: "c5" }); // the 6th line: 2 * retainCount
    expect(fileEvents().map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(statSync(path).ino).not.toBe(inode);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    // Appends after compaction go to the new file.
    j.append({ type: "exit", id: "c6" });
    expect(fileEvents().map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    j = reopen(j, 3);
    expect(j.skippedLines).toBe(0);
    expect(j.stored().map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(j.append({ type: "exit", id: "c7" }).seq).toBe(8);
  });

  test("a retain count below 1 is refused", () => {
    expect(() => new Journal(path, 0)).toThrow(RangeError);
  });
});
