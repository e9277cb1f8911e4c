/** Supervisor restarts: containers come back as they were, exits while berthd was down are reported once. */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Event } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { makeFifo } from "@berth/sys";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { alive, Attach, Daemon, isExit } from "./helpers/daemon.ts";
import { StallingRuntime } from "./helpers/fake-runtime.ts";

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
  removeBundles();
});

const exits = (items: { data: Event }[]) => items.filter((i) => i.data.type === "exit").map((i) => [i.data.id, i.data.pid, i.data.status]);
/** Until /healthz says restore is over: a barrier for what restore reports. */
const restored = async (daemon: Daemon) => {
  while ((await daemon.json<{ restoring: boolean }>("GET", "/healthz")).body.restoring) await Bun.sleep(5);
};
const lastSeq = async (daemon: Daemon) => (await daemon.events("storedOnly=true&after=0").all()).at(-1)?.data.seq ?? 0;
const shimOf = (daemon: Daemon, id: string) => readShimRecord(new ContainerLayout(join(daemon.stateDir, "containers", id)))!;

test("after SIGKILL and restart, containers are listed as they were and everything still works on them", async () => {
  d = await Daemon.start();
  const id = uid();
  await d.create(id, bundle(["sh", "-c", "echo started; exec sleep 1000"]), { labels: ["a=1", "b=2"] });
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "shell", args: ["sh"], terminal: true })).status).toBe(201);
  const stdin = join(mkdtempSync(join(tmpdir(), "bf-")), "stdin");
  makeFifo(stdin);
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "cat", args: ["cat"], stdin })).status).toBe(201);
  const before = (await d.json<Container[]>("GET", "/v1/containers")).body;
  const seq = await lastSeq(d);

  await d.kill("SIGKILL");
  await d.launch();
  const health = await d.json<{ restoring: boolean }>("GET", "/healthz");
  expect(health.status).toBe(200);
  expect((await d.json<Container[]>("GET", "/v1/containers")).body).toEqual(before);
  // No event was invented by the restart.
  expect(await lastSeq(d)).toBe(seq);

  // Close stdin, attach, resize, exec, logs, stats, pause and signal on the restored container.
  expect((await d.fetch(`/v1/containers/${id}/processes/cat`, { method: "PATCH", body: JSON.stringify({ closeStdin: true }) })).status).toBe(204);
  expect((await d.json("POST", `/v1/containers/${id}/processes/cat/wait`)).body).toEqual({ status: 0 });
  const a = Attach.open(d, id, "shell");
  await a.opened;
  a.ws.send(JSON.stringify({ resize: { width: 90, height: 30 } }));
  a.send("stty size; exit 0\n");
  await a.until("30 90");
  expect((await a.closed).code).toBe(1000);
  expect((await d.json("POST", `/v1/containers/${id}/processes/shell/wait`)).body).toEqual({ status: 0 });
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "after", args: ["true"] })).status).toBe(201);
  expect((await d.json("POST", `/v1/containers/${id}/processes/after/wait`)).body).toEqual({ status: 0 });
  expect(await (await d.fetch(`/v1/containers/${id}/processes/init/logs`)).text()).toBe("started\n");
  expect((await d.json<{ pids: { current: number } }>("GET", `/v1/containers/${id}/stats`)).body.pids.current).toBe(1);
  expect((await d.json<Container>("PATCH", `/v1/containers/${id}`, { status: "paused" })).body.status).toBe("paused");
  // A paused container is restored paused.
  await d.kill("SIGKILL");
  await d.launch();
  expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("paused");
  expect((await d.json<Container>("PATCH", `/v1/containers/${id}`, { status: "running" })).body.status).toBe("running");
  const events = d.events(`id=${id}&after=${seq}`);
  expect(await d.signal(id, "SIGKILL")).toBe(204);
  const seen = await events.until((i) => i.data.type === "exit" && i.data.pid === "init");
  events.close();
  expect(seen.filter((i) => i.data.type !== "exit").map((i) => i.data.type)).toEqual(["start-process", "pause", "resume"]);
  expect(exits(seen)).toEqual([[id, "cat", 0], [id, "shell", 0], [id, "after", 0], [id, "init", 137]]);
});

test("exits that happen while berthd is down are reported once, execs before init, also over several restarts", async () => {
  d = await Daemon.start();
  const id = uid();
  const c = await d.create(id, bundle(["sleep", "1000"]));
  const exec = (await d.json<{ systemPid: number }>("POST", `/v1/containers/${id}/processes`, {
    pid: "trapper", args: ["sh", "-c", "trap 'exit 3' TERM; echo trapping; while :; do sleep 0.05; done"],
  })).body;
  // Its trap is set once it says so.
  const reader = (await d.fetch(`/v1/containers/${id}/processes/trapper/logs?follow=true`)).body!.getReader();
  for (let seen = ""; !seen.includes("trapping"); ) seen += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  const seq = await lastSeq(d);
  const replayBefore = (await d.events(`storedOnly=true&after=0`).all()).map((i) => i.data);

  await d.kill("SIGKILL");
  process.kill(exec.systemPid, "SIGTERM");
  while (alive(exec.systemPid)) await Bun.sleep(5); // its trap runs once its sleep ends
  process.kill(c.processes[0]!.systemPid, "SIGKILL");
  const shim = shimOf(d, id);
  while (alive(shim.pid)) await Bun.sleep(5); // the shim records both exits, tears down and leaves

  await d.launch();
  await restored(d);
  const replay = await d.events(`storedOnly=true&after=${seq}`).all();
  expect(exits(replay)).toEqual([[id, "trapper", 3], [id, "init", 137]]);
  // The stored part before the restart is unchanged: same seqs, same events.
  expect((await d.events(`storedOnly=true&after=0`).all()).map((i) => i.data).slice(0, replayBefore.length)).toEqual(replayBefore);
  const stopped = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
  expect(stopped).toMatchObject({ status: "stopped", exitStatus: 137 });
  expect(stopped.processes.map((p) => [p.pid, p.status, p.exitStatus])).toEqual([["init", "exited", 137], ["trapper", "exited", 3]]);

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    await d.kill(signal);
    await d.launch();
    await restored(d);
    expect(exits(await d.events(`storedOnly=true&after=${seq}`).all())).toEqual([[id, "trapper", 3], [id, "init", 137]]);
  }
});

test("a container whose shim died while berthd was down is killed (137); one that died after its shim is 137 too", async () => {
  d = await Daemon.start();
  const running = uid("run");
  const gone = uid("gone");
  const r = await d.create(running, bundle(["sleep", "1000"]));
  await d.create(gone, bundle(["sleep", "1000"]));
  const seq = await lastSeq(d);
  await d.kill("SIGKILL");
  for (const id of [running, gone]) process.kill(shimOf(d, id).pid, "SIGKILL");
  // The second one's init dies too, with nobody to record it (as a write to its dead shim's pipe would kill it).
  Bun.spawnSync(["runc", "kill", gone, "KILL"]);
  while (JSON.parse(Bun.spawnSync(["runc", "state", gone]).stdout.toString()).status !== "stopped") await Bun.sleep(5);

  await d.launch();
  await restored(d);
  const got = exits(await d.events(`storedOnly=true&after=${seq}`).all()).sort();
  expect(got).toEqual([[gone, "init", 137], [running, "init", 137]].sort());
  expect(alive(r.processes[0]!.systemPid)).toBe(false);
  for (const id of [running, gone]) expect((await d.fetch(`/v1/containers/${id}`, { method: "DELETE" })).status).toBe(204);
  for (const id of [running, gone]) expect(Bun.spawnSync(["runc", "state", id]).exitCode).not.toBe(0);
  expect(readdirSync(join(d.stateDir, "containers"))).toEqual([]);
});

test("a corrupt state dir and a removed bundle are cleaned up; the other containers are restored", async () => {
  d = await Daemon.start();
  const good = uid("good");
  const corrupt = uid("corrupt");
  const orphan = uid("nobundle");
  await d.create(good, bundle(["sleep", "1000"]));
  await d.create(corrupt, bundle(["sleep", "1000"]));
  const orphanBundle = bundle(["sleep", "1000"]);
  await d.create(orphan, orphanBundle);
  const seq = await lastSeq(d);
  await d.kill("SIGKILL");
  writeFileSync(join(d.stateDir, "containers", corrupt, "container.json"), '{"id": "trunc');
  rmSync(orphanBundle, { recursive: true });

  await d.launch();
  const events = d.events(`after=${seq}`);
  const exited = new Set<string>();
  await events.until((i) => (i.data.type === "exit" && exited.add(i.data.id), exited.size === 2));
  events.close();
  expect(exits(await d.events(`storedOnly=true&after=${seq}`).all()).sort()).toEqual([[corrupt, "init", 137], [orphan, "init", 137]].sort());
  await restored(d);
  expect((await d.json<Container[]>("GET", "/v1/containers")).body.map((c) => c.id)).toEqual([good]);
  // The one whose bundle went is kept as a stopped container; the corrupt one is gone.
  expect((await d.json<Container[]>("GET", "/v1/containers?all=true")).body.map((c) => [c.id, c.status]).sort())
    .toEqual([[good, "running"], [orphan, "stopped"]].sort());
  expect((await d.fetch(`/v1/containers/${orphan}`, { method: "DELETE" })).status).toBe(204);
  expect(Bun.spawnSync(["runc", "state", corrupt]).exitCode).not.toBe(0);
  expect(Bun.spawnSync(["runc", "state", orphan]).exitCode).not.toBe(0);
  expect(readdirSync(join(d.stateDir, "containers"))).toEqual([good]);
});

test("a container whose start was never recorded (berthd killed while its runc run hangs) is removed, with no events; the run dies with its shim", async () => {
  const runtime = new StallingRuntime("run");
  try {
    d = await Daemon.start();
    const id = uid();
    const seq = await lastSeq(d);
    const pending = d.json("POST", "/v1/containers", { id, bundlePath: bundle(["sleep", "1000"]), runtime: runtime.path });
    void pending.catch(() => {});
    await runtime.reached();
    const shim = shimOf(d, id);
    await d.kill("SIGKILL");
    await d.launch();
    await restored(d);
    expect((await d.json<Container[]>("GET", "/v1/containers")).body).toEqual([]);
    expect(await lastSeq(d)).toBe(seq);
    expect(Bun.spawnSync(["runc", "state", id]).exitCode).not.toBe(0);
    while (alive(shim.pid)) await Bun.sleep(5); // the shim was told to go
    expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
    // Killed with its shim's process group: released now, it could still start a container nobody supervises.
    expect(await gone(runtime.stalledPid)).toBe(true);
  } finally {
    runtime.remove();
  }
});

test("a shim killed while its runc run hangs takes the run with it: the create fails, and nothing starts later", async () => {
  const runtime = new StallingRuntime("run");
  try {
    d = await Daemon.start();
    const id = uid();
    const pending = d.json<{ error: { message: string } }>("POST", "/v1/containers", { id, bundlePath: bundle(["sleep", "1000"]), runtime: runtime.path });
    await runtime.reached();
    process.kill(shimOf(d, id).pid, "SIGKILL");
    const answer = await pending;
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(answer.body.error.message).not.toBe("");
    expect(await gone(runtime.stalledPid)).toBe(true);
    expect(Bun.spawnSync(["runc", "state", id]).exitCode).not.toBe(0);
    expect((await d.json<Container[]>("GET", "/v1/containers?all=true")).body.map((c) => c.id)).not.toContain(id);
  } finally {
    runtime.remove();
  }
});

/** Whether `pid` is gone within 10 s (a SIGKILLed process dies at once; nothing else says when). */
async function gone(pid: number): Promise<boolean> {
  for (const until = Date.now() + 10_000; alive(pid) && Date.now() < until; ) await Bun.sleep(5);
  return !alive(pid);
}

test("while one container's restore hangs, /healthz, listing, GET and creates of other ids answer at once; its own operations wait", async () => {
  const runtime = new StallingRuntime("state");
  try {
    d = await Daemon.start();
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
    const seq = await lastSeq(d);
    await d.kill("SIGKILL");
    process.kill(shimOf(d, id).pid, "SIGKILL"); // restore must ask the runtime about it, and the runtime stalls
    await d.launch();
    await runtime.reached();
    expect((await d.json("GET", "/healthz")).body).toEqual({ status: "ok", restoring: true });
    // Its last known state, at once; listing too; a create of another id does not wait for it.
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect((await d.json<Container[]>("GET", "/v1/containers")).body.map((c) => c.id)).toEqual([id]);
    const other = uid("other");
    await d.create(other, bundle(["sleep", "1000"]));
    let answered = false;
    const signal = d.json("POST", `/v1/containers/${id}/signal`, { signal: "SIGTERM" }).then((r) => ((answered = true), r));
    const events = d.events(`after=${seq}`);
    await events.ready;
    expect(answered).toBe(false);
    runtime.release();
    expect((await signal).status).toBe(409); // it was orphaned, so it is killed and reported: no longer running
    expect((await events.until((i) => i.data.type === "exit")).at(-1)!.data).toMatchObject({ id, pid: "init", status: 137 });
    events.close();
    await restored(d);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body).toMatchObject({ status: "stopped", exitStatus: 137 });
    await d.signal(other, "SIGKILL");
  } finally {
    runtime.remove();
  }
});

test("SIGKILL during 50 creates in flight: after restart each container is running and listed, or gone; nothing untracked", async () => {
  d = await Daemon.start();
  const path = bundle(["sleep", "1000"]);
  const ids = Array.from({ length: 50 }, () => uid("storm"));
  const creates = ids.map((id) => d!.json("POST", "/v1/containers", { id, bundlePath: path }).catch(() => undefined));
  // Kill mid-storm: once some containers exist and others are still being made.
  while (!existsSync(join(d.stateDir, "containers")) || readdirSync(join(d.stateDir, "containers")).length < 10) await Bun.sleep(2);
  await d.kill("SIGKILL");
  await Promise.all(creates);
  await d.launch();
  await restored(d);
  const listed = (await d.json<Container[]>("GET", "/v1/containers")).body;
  const listedIds = new Set(listed.map((c) => c.id));
  expect(listed.every((c) => c.status === "running")).toBe(true);
  expect(listed.length).toBeLessThan(50); // the kill did land mid-storm
  // Every runc container and every state dir of ours belongs to a listed container.
  const runcIds = ((JSON.parse(Bun.spawnSync(["runc", "list", "--format", "json"]).stdout.toString()) ?? []) as { id: string }[])
    .map((c) => c.id).filter((id) => ids.includes(id));
  expect(runcIds.filter((id) => !listedIds.has(id))).toEqual([]);
  expect(readdirSync(join(d.stateDir, "containers")).filter((id) => !listedIds.has(id))).toEqual([]);
  // Every shim of this state dir serves a listed container.
  const shims = Bun.spawnSync(["pgrep", "-af", "berth-shim"]).stdout.toString().split("\n").filter((l) => l.includes(d!.stateDir));
  expect(shims.filter((l) => !listedIds.has(l.split("/").at(-1)!))).toEqual([]);
  // And each listed one is really running and answers.
  for (const c of listed) expect(alive(c.processes[0]!.systemPid)).toBe(true);
  // Killing them all reports one exit each.
  const events = d.events("after=0");
  await events.ready;
  for (const c of listed) await d.signal(c.id, "SIGKILL");
  const exited = new Set<string>();
  if (listed.length > 0) await events.until((i) => (i.data.type === "exit" && exited.add(i.data.id), exited.size === listed.length), 30_000);
  events.close();
}, 60_000);

test("a long-lived container's exit is reported once after a restart, also when the journal has compacted its start away", async () => {
  d = await Daemon.start({ args: ["--retain-count", "3"] });
  const id = uid("long");
  const c = await d.create(id, bundle(["sleep", "1000"]));
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "e", args: ["sleep", "1000"] })).status).toBe(201);
  for (let i = 0; i < 4; i++) {
    const events = d.events(`after=0`);
    const short = uid("short");
    await d.create(short, bundle(["true"]));
    await events.until(isExit("init", short));
    events.close();
  }
  const stored = (await d.events("storedOnly=true&after=0").all()).map((i) => i.data);
  expect(stored.some((e) => e.id === id)).toBe(false); // compacted away
  await d.kill("SIGKILL");
  process.kill(c.processes[0]!.systemPid, "SIGKILL");
  const shim = shimOf(d, id);
  while (alive(shim.pid)) await Bun.sleep(5);
  await d.launch();
  await restored(d);
  const after = (await d.events(`storedOnly=true&after=${stored.at(-1)!.seq}`).all()).map((i) => [i.data.type, i.data.id, i.data.pid, i.data.status]);
  expect(after).toEqual([["exit", id, "e", 137], ["exit", id, "init", 137]]);
});
