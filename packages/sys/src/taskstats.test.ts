import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TaskstatsListener } from "./taskstats.ts";

test("a taskstats listener receives a child's exit with its parent, name and the CPU it used", () => {
  const listener = TaskstatsListener.open(readFileSync("/sys/devices/system/cpu/online", "utf8").trim());
  try {
    // A shell that counts for a while: tens of milliseconds of CPU, all of it its own.
    const child = Bun.spawn(["sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"], { stdout: "ignore" });
    const deadline = Date.now() + 30_000;
    let exit;
    // read() blocks until the next exit on the machine; other processes' exits just go round the loop.
    while (!exit && Date.now() < deadline) exit = listener.read().find((e) => e.tgid === child.pid);
    expect(exit).toBeDefined();
    expect(exit).toMatchObject({ tid: child.pid, tgid: child.pid, ppid: process.pid, comm: "sh" });
    expect(exit!.cpuNs).toBeGreaterThan(5_000_000);
    expect(exit!.cpuNs).toBeLessThan(30_000_000_000);
    expect(listener.dropped).toBe(0);
  } finally {
    listener.close();
  }
});
