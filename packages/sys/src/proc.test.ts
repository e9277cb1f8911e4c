import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { isSameProcess, processFacts, processStartTime } from "./proc.ts";

const dir = mkdtempSync("/tmp/berth-sys-proc-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Clock ticks since boot (CLK_TCK is 100 on Linux x86_64). */
function uptimeTicks(): number {
  return Math.ceil(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 100);
}

test("a process's start time is a tick count between our own start and now, also when its name has ') ('", async () => {
  // comm becomes "a) b (c": a parser that splits /proc/<pid>/stat at the first ')' or on spaces reads the wrong field.
  const exe = join(dir, "a) b (c");
  symlinkSync(Bun.which("sleep")!, exe);
  const proc = Bun.spawn([exe, "100"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    // Bun.spawn can return before the child has exec'd: wait for the new name (bounded).
    const comm = () => readFileSync(`/proc/${proc.pid}/comm`, "utf8");
    for (const end = Date.now() + 5000; comm() !== "a) b (c\n" && Date.now() < end; ) await Bun.sleep(1);
    expect(comm()).toBe("a) b (c\n");
    const own = processStartTime(process.pid);
    const child = processStartTime(proc.pid);
    expect(own).toMatch(/^\d+$/);
    expect(child).toMatch(/^\d+$/);
    expect(Number(child)).toBeGreaterThanOrEqual(Number(own));
    expect(Number(child)).toBeLessThanOrEqual(uptimeTicks());
    expect(isSameProcess(proc.pid, child!)).toBe(true);
    expect(isSameProcess(proc.pid, String(Number(child) - 1))).toBe(false);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  expect(processStartTime(proc.pid)).toBeUndefined();
});

test("a process that is gone has no start time and is never the same process", async () => {
  const proc = Bun.spawn(["true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const started = processStartTime(proc.pid);
  await proc.exited;
  expect(processStartTime(proc.pid)).toBeUndefined();
  expect(isSameProcess(proc.pid, started ?? "0")).toBe(false);
});

test("processFacts reads parent, uid, CPU ticks, start and argv; undefined once the process is gone", async () => {
  const proc = Bun.spawn(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 100", "arg 1"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    // Its comm changes at exec a moment before its argv can be read: wait for both.
    const execd = () => processFacts(proc.pid)?.comm === "sh" && processFacts(proc.pid)!.args.length > 0;
    for (const end = Date.now() + 5000; !execd() && Date.now() < end; ) await Bun.sleep(1);
    const facts = processFacts(proc.pid)!;
    expect(facts).toMatchObject({ pid: proc.pid, ppid: process.pid, uid: process.getuid!(), comm: "sh" });
    expect(facts.args).toEqual(["sh", "-c", expect.stringContaining("while"), "arg 1"]);
    expect(String(facts.startTicks)).toBe(processStartTime(proc.pid)!);
    expect(facts.cpuTicks).toBeGreaterThanOrEqual(0);
  } finally {
    proc.kill();
    await proc.exited;
  }
  expect(processFacts(proc.pid)).toBeUndefined();
});
