import { expect, test } from "bun:test";
import { join } from "node:path";

// In a process of its own: a subreaper's SIGCHLD handling must never run inside the test worker.
test("the reaper waits for known pids, sweeps orphans, and never steals a Bun child's status", async () => {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "testdata/reaper-stress.ts")], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  const seen = JSON.parse(out) as { bunErrors: number; waited: number[]; zombies: number };
  expect(seen).toEqual({ bunErrors: 0, waited: [5, 9], zombies: 0 });
}, 20_000);
