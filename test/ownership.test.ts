/**
 * The shim owns the runtime for a live container (DESIGN.md invariant 9), and every event is relayed exactly once
 * (invariant 10): berthd runs no runtime process for pause, resume, update, exec or a signal; pause, resume and
 * update events come out once when berthd is SIGKILLed right after each, or while each is in flight.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Event } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { Daemon } from "./helpers/daemon.ts";
import { StallingRuntime } from "./helpers/fake-runtime.ts";
import { fakeRuntime } from "./helpers/runtime.ts";

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
  removeBundles();
});

const lastSeq = async (daemon: Daemon) => (await daemon.events("storedOnly=true&after=0").all()).at(-1)?.data.seq ?? 0;
const restored = async (daemon: Daemon) => {
  while ((await daemon.json<{ restoring: boolean }>("GET", "/healthz")).body.restoring) await Bun.sleep(5);
};
const typesAfter = async (daemon: Daemon, id: string, seq: number) =>
  (await daemon.events(`storedOnly=true&after=${seq}&id=${id}`).all()).map((i: { data: Event }) => i.data.type);
/** SIGKILL berthd, start it again, wait for its restore: the container's events after `seq` are still `types`. */
async function restartAndExpect(daemon: Daemon, id: string, seq: number, types: Event["type"][]): Promise<void> {
  await daemon.kill("SIGKILL");
  await daemon.launch();
  await restored(daemon);
  expect(await typesAfter(daemon, id, seq)).toEqual(types);
}

test("berthd runs no runtime process for pause, resume, update, exec or a signal: the shim does", async () => {
  // Every call of this runtime notes who started it.
  const runtime = fakeRuntime(`  *) echo "$PPID $sub" >> "$dir/parents"; exec runc "$@" ;;`);
  try {
    d = await Daemon.start();
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
    const shim = readShimRecord(new ContainerLayout(join(d.stateDir, "containers", id)))!;
    expect((await d.json("PATCH", `/v1/containers/${id}`, { status: "paused" })).status).toBe(200);
    expect((await d.json("PATCH", `/v1/containers/${id}`, { status: "running" })).status).toBe(200);
    expect((await d.json("PATCH", `/v1/containers/${id}`, { resources: { pidsLimit: 50 } })).status).toBe(200);
    expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "e1", args: ["sleep", "1000"] })).status).toBe(201);
    expect(await d.signal(id, "SIGTERM", "e1")).toBe(204);
    expect((await d.json("POST", `/v1/containers/${id}/processes/e1/wait`)).body).toEqual({ status: 143 });
    const calls = readFileSync(join(runtime.dir, "parents"), "utf8").trim().split("\n").map((l) => l.split(" ") as [string, string]);
    const subcommands = calls.map(([, sub]) => sub);
    for (const sub of ["run", "pause", "resume", "update", "exec"]) expect(subcommands).toContain(sub);
    // A signal goes through the shim's pidfd: no runtime call at all.
    expect(subcommands).not.toContain("kill");
    expect(calls.filter(([parent]) => Number(parent) !== shim.pid)).toEqual([]);
    expect(calls.some(([parent]) => Number(parent) === d!.proc.pid)).toBe(false);
    await d.signal(id, "SIGKILL");
  } finally {
    runtime.remove();
  }
});

for (const op of ["pause", "resume", "update"] as const) {
  const patch = op === "update" ? { resources: { pidsLimit: 77 } } : { status: op === "pause" ? "paused" : "running" };

  test(`a ${op} event comes out once when berthd is SIGKILLed right after it, then restarted`, async () => {
    d = await Daemon.start();
    const id = uid(op);
    await d.create(id, bundle(["sleep", "1000"]));
    if (op === "resume") expect((await d.json("PATCH", `/v1/containers/${id}`, { status: "paused" })).status).toBe(200);
    const seq = await lastSeq(d);
    expect((await d.json("PATCH", `/v1/containers/${id}`, patch)).status).toBe(200);
    await restartAndExpect(d, id, seq, [op]);
    await restartAndExpect(d, id, seq, [op]); // a second restart repeats nothing
    await d.signal(id, "SIGKILL");
  });

  test(`a ${op} in flight when berthd is SIGKILLed is done by the shim and its event comes out once after the restart`, async () => {
    const runtime = new StallingRuntime(op);
    try {
      d = await Daemon.start();
      const id = uid(op);
      await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
      if (op === "resume") expect((await d.json("PATCH", `/v1/containers/${id}`, { status: "paused" })).status).toBe(200);
      const seq = await lastSeq(d);
      const pending = d.json("PATCH", `/v1/containers/${id}`, patch).catch(() => undefined);
      await runtime.reached();
      await d.kill("SIGKILL");
      await pending;
      runtime.release(); // the shim's runtime call completes with nobody connected; the shim records the change
      await d.launch();
      await restored(d);
      const events = d.events(`after=${seq}&id=${id}`);
      await events.until((i) => i.data.type === op);
      events.close();
      expect(await typesAfter(d, id, seq)).toEqual([op]);
      await restartAndExpect(d, id, seq, [op]);
      await d.signal(id, "SIGKILL");
    } finally {
      runtime.remove();
    }
  });
}
