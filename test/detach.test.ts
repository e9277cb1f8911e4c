/** berthd can die without taking containers with it: shims run on and keep capturing output. */
import { afterEach, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Container } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { alive, Daemon } from "./helpers/daemon.ts";

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
  removeBundles();
});

/** Waits until the captured log of `id` holds more than `bytes` bytes. */
async function logGrowsPast(layout: ContainerLayout, bytes: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const size = statSync(layout.log("init"), { throwIfNoEntry: false })?.size ?? 0;
    if (size > bytes) return size;
    if (Date.now() > deadline) throw new Error(`log stayed at ${size} bytes`);
    await Bun.sleep(20); // polling a file size: there is no event for "the container wrote"
  }
}

for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  test(`after ${signal} of berthd the shim and container run on and output is still captured`, async () => {
    d = await Daemon.start();
    const id = uid();
    const created = await d.create(id, bundle(["sh", "-c", "while :; do echo tick; sleep 0.02; done"]));
    const layout = new ContainerLayout(join(d.stateDir, "containers", id));
    const shim = readShimRecord(layout)!;
    await logGrowsPast(layout, 0);

    await d.kill(signal);
    expect(alive(shim.pid)).toBe(true);
    expect(alive(created.processes[0]!.systemPid)).toBe(true);
    const before = statSync(layout.log("init")).size;
    expect(await logGrowsPast(layout, before)).toBeGreaterThan(before);
    const runcState = JSON.parse(Bun.spawnSync(["runc", "state", id]).stdout.toString()) as { status: string };
    expect(runcState.status).toBe("running");
  });
}

test("killing berthd's whole process group leaves shims alone", async () => {
  // berthd in a session of its own, so the group kill cannot reach this test runner.
  d = await Daemon.start();
  const id = uid();
  const created: Container = await d.create(id, bundle(["sleep", "1000"]));
  const shim = readShimRecord(new ContainerLayout(join(d.stateDir, "containers", id)))!;
  const pgid = Number(Bun.spawnSync(["ps", "-o", "pgid=", String(d.proc.pid)]).stdout.toString().trim());
  expect(Number(Bun.spawnSync(["ps", "-o", "pgid=", String(shim.pid)]).stdout.toString().trim())).not.toBe(pgid);
  expect(Number(Bun.spawnSync(["ps", "-o", "sid=", String(shim.pid)]).stdout.toString().trim())).toBe(shim.pid);
  expect(alive(created.processes[0]!.systemPid)).toBe(true);
});
