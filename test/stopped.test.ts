/**
 * Stopped containers (API.md): kept after their exit with status, exit status, processes and logs; listed with
 * all=true only; operations that need a live process are 409; DELETE removes them; a create of the id replaces
 * them; --retain-stopped bounds them; they survive a berthd restart; `autoRemove` (berth start --rm) removes them.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Container, Event, Process } from "@berth/protocol";
import { bundle, uid } from "./helpers/bundles.ts";
import { Daemon, isExit, REPO, useDaemon } from "./helpers/daemon.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon), { args: ["--retain-stopped", "3"] });

type ErrorBody = { error: { code: string; message: string } };
const ids = async (query = "") => (await d.json<Container[]>("GET", `/v1/containers${query}`)).body.map((c) => c.id);

/** Creates a container running `script` and waits until its exit is published. */
async function exited(script: string, labels?: string[]): Promise<{ id: string; exit: Event }> {
  const id = uid("s");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sh", "-c", script]), labels ? { labels } : {});
  const exit = (await events.until(isExit("init", id))).at(-1)!.data;
  events.close();
  return { id, exit };
}

test("a stopped container keeps its status, exit, processes and logs; live-only operations are 409; DELETE removes it", async () => {
  const id = uid("s");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sh", "-c", "echo hello; exec sleep 1000"]), { labels: ["k=v"] });
  const execRes = await d.json<Process>("POST", `/v1/containers/${id}/processes`, { pid: "e1", args: ["sh", "-c", "echo from-exec; exit 2"] });
  expect(execRes.status).toBe(201);
  expect((await d.json("POST", `/v1/containers/${id}/processes/e1/wait`)).body).toEqual({ status: 2 });
  expect(await d.signal(id, "SIGKILL")).toBe(204);
  const exit = (await events.until(isExit("init", id))).at(-1)!.data;
  events.close();
  expect(exit.status).toBe(137);

  expect(await ids()).not.toContain(id);
  expect(await ids("?all=true")).toContain(id);
  const c = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
  expect(c).toMatchObject({ id, status: "stopped", exitStatus: 137, labels: ["k=v"], pids: [] });
  expect(Date.parse(c.exitedAt!)).toBeGreaterThan(Date.parse(c.createdAt));
  expect(c.processes.map((p) => [p.pid, p.status, p.exitStatus])).toEqual([["init", "exited", 137], ["e1", "exited", 2]]);
  expect((await d.json<Process>("GET", `/v1/containers/${id}/processes/e1`)).body).toMatchObject({ status: "exited", exitStatus: 2 });
  expect((await d.json("POST", `/v1/containers/${id}/processes/init/wait`)).body).toEqual({ status: 137 });
  expect((await d.json("POST", `/v1/containers/${id}/processes/e1/wait`)).body).toEqual({ status: 2 });
  expect(await (await d.fetch(`/v1/containers/${id}/processes/init/logs`)).text()).toBe("hello\n");
  expect(await (await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true`)).text()).toBe("hello\n");
  expect(await (await d.fetch(`/v1/containers/${id}/processes/e1/logs`)).text()).toBe("from-exec\n");

  const refused: [string, Promise<{ status: number; body: ErrorBody }>][] = [
    ["pause", d.json<ErrorBody>("PATCH", `/v1/containers/${id}`, { status: "paused" })],
    ["update", d.json<ErrorBody>("PATCH", `/v1/containers/${id}`, { resources: { pidsLimit: 10 } })],
    ["signal", d.json<ErrorBody>("POST", `/v1/containers/${id}/signal`, { signal: "SIGTERM" })],
    ["exec", d.json<ErrorBody>("POST", `/v1/containers/${id}/processes`, { pid: "e2", args: ["true"] })],
    ["stats", d.json<ErrorBody>("GET", `/v1/containers/${id}/stats`)],
    ["checkpoint", d.json<ErrorBody>("POST", `/v1/containers/${id}/checkpoints`, { name: "cp1" })],
    ["resize", d.json<ErrorBody>("PATCH", `/v1/containers/${id}/processes/init`, { width: 80, height: 24 })],
  ];
  for (const [op, res] of refused) {
    const r = await res;
    expect({ op, status: r.status, code: r.body.error.code }).toEqual({ op, status: 409, code: "failed_precondition" });
    expect(r.body.error.message).toContain("stopped");
  }

  expect((await d.fetch(`/v1/containers/${id}`, { method: "DELETE" })).status).toBe(204);
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
  expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
  expect(Bun.spawnSync(["runc", "state", id]).exitCode).not.toBe(0);
});

test("a create of the same id replaces a stopped container: the new one runs, the old one's logs are gone", async () => {
  const { id } = await exited("echo first; exit 1");
  const path = bundle(["sh", "-c", "echo second; exec sleep 1000"]);
  const c = await d.create(id, path);
  expect(c.status).toBe("running");
  expect(c.exitStatus).toBeUndefined();
  const reader = (await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true`)).body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toBe("second\n");
  await reader.cancel();
  expect(await d.signal(id, "SIGKILL")).toBe(204);
});

test("--retain-stopped keeps the newest stopped containers and removes the oldest exit first", async () => {
  const own = await Daemon.start({ args: ["--retain-stopped", "2"] });
  try {
    const stopped: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = uid("keep");
      const events = own.events(`id=${id}&after=0`);
      await events.ready;
      await own.create(id, bundle(["sh", "-c", `exit ${i}`]));
      await events.until(isExit("init", id));
      events.close();
      stopped.push(id);
    }
    // The bound is applied as each container's cleanup ends, which follows its exit event.
    const listed = async () => (await own.json<Container[]>("GET", "/v1/containers?all=true")).body.map((c) => c.id);
    for (const deadline = Date.now() + 30_000; (await listed()).length > 2 && Date.now() < deadline; ) await Bun.sleep(10);
    expect(await listed()).toEqual(stopped.slice(2).sort());
    for (const id of stopped.slice(0, 2)) {
      expect((await own.json("GET", `/v1/containers/${id}`)).status).toBe(404);
      expect(existsSync(join(own.stateDir, "containers", id))).toBe(false);
    }
  } finally {
    await own.cleanup();
  }
});

test("stopped containers survive a berthd restart as they were; no event is repeated", async () => {
  const { id } = await exited("echo kept; exit 9", ["x=y"]);
  const before = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
  const seq = (await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq;
  await d.kill("SIGKILL");
  await d.launch();
  while ((await d.json<{ restoring: boolean }>("GET", "/healthz")).body.restoring) await Bun.sleep(5);
  expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body).toEqual(before);
  expect(await ids("?all=true")).toContain(id);
  expect(await (await d.fetch(`/v1/containers/${id}/processes/init/logs`)).text()).toBe("kept\n");
  expect((await d.json("POST", `/v1/containers/${id}/processes/init/wait`)).body).toEqual({ status: 9 });
  expect((await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq).toBe(seq);
  expect((await d.fetch(`/v1/containers/${id}`, { method: "DELETE" })).status).toBe(204);
});

test("autoRemove removes the container once its exit is out and it is cleaned up", async () => {
  const id = uid("rm");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sh", "-c", "exit 3"]), { autoRemove: true });
  expect((await events.until(isExit("init", id))).at(-1)!.data.status).toBe(3);
  events.close();
  // Removed once the runtime delete is done, which follows the event.
  for (const deadline = Date.now() + 30_000; (await d.json("GET", `/v1/containers/${id}`)).status !== 404 && Date.now() < deadline; ) await Bun.sleep(10);
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
  expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
});

test("berth ls -a, inspect, logs and rm of a stopped container; start --rm", async () => {
  const berth = (args: string[]) => {
    const r = Bun.spawnSync([process.execPath, join(REPO, "packages/cli/src/main.ts"), "--address", `unix://${d.socket}`, ...args]);
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  const { id } = await exited("echo via-cli; exit 6");
  expect(berth(["ls"]).out).not.toContain(id);
  const all = berth(["ls", "-a"]).out.split("\n").find((l) => l.startsWith(id))!;
  expect(all).toContain("stopped (6)");
  expect(berth(["inspect", id]).out).toMatch(/Status:\s+stopped/);
  expect(berth(["logs", id]).out).toBe("via-cli\n");
  expect(berth(["rm", id]).code).toBe(0);
  expect(berth(["ls", "-a"]).out).not.toContain(id);

  const rm = uid("rm");
  const events = d.events(`id=${rm}&after=0`);
  await events.ready;
  expect(berth(["start", "--rm", rm, bundle(["true"])]).code).toBe(0);
  await events.until(isExit("init", rm));
  events.close();
  for (const deadline = Date.now() + 30_000; berth(["ls", "-a"]).out.includes(rm) && Date.now() < deadline; ) await Bun.sleep(10);
  expect(berth(["ls", "-a"]).out).not.toContain(rm);
});
