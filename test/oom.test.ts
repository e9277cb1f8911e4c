/** OOM events with real runc containers: one `oom` before the `exit` of a container its memory limit killed, none otherwise. */
import { expect, test } from "bun:test";
import type { Event } from "@berth/protocol";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

const exitOf = (id: string) => (i: { data: Event }) => i.data.type === "exit" && i.data.id === id;
const typesAndStatuses = (items: { data: Event }[]) => items.map((i) => [i.data.type, i.data.status]);

test("a shell doubling a string past its 8 MiB limit: exactly one oom event, then exit 137", async () => {
  const id = uid();
  const events = d.events(`id=${id}&after=0`);
  await d.create(id, bundle(["sh", "-c", "s=x; while :; do s=$s$s; done"], { memoryLimit: 8 << 20 }));
  const seen = await events.until(exitOf(id));
  events.close();
  expect(typesAndStatuses(seen)).toEqual([["start-container", undefined], ["oom", undefined], ["exit", 137]]);
  // The journal holds the same: nothing more came after the exit.
  expect(typesAndStatuses(await d.events(`storedOnly=true&after=0&id=${id}`).all())).toEqual(typesAndStatuses(seen));
});

test("a SIGKILL, or a forced delete that removes the memory cgroup, is 137 with no oom", async () => {
  const killed = uid();
  const deleted = uid();
  const events = d.events("after=0");
  await d.create(killed, bundle(["sleep", "1000"], { memoryLimit: 8 << 20 }));
  await d.create(deleted, bundle(["sleep", "1000"], { memoryLimit: 8 << 20 }));
  await d.signal(killed, "SIGKILL");
  expect((await d.fetch(`/v1/containers/${deleted}?force=true`, { method: "DELETE" })).status).toBe(204);
  await events.until(exitOf(killed));
  events.close();
  for (const id of [killed, deleted]) {
    expect(typesAndStatuses(await d.events(`storedOnly=true&after=0&id=${id}`).all())).toEqual([["start-container", undefined], ["exit", 137]]);
  }
});

test("an OOM kill the container survives (an exec's) is reported as it happens, while the container runs on", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"], { memoryLimit: 8 << 20 }));
  const events = d.events(`id=${id}&after=0`);
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "hog", args: ["sh", "-c", "s=x; while :; do s=$s$s; done"] })).status).toBe(201);
  const seen = await events.until((i) => i.data.type === "oom");
  const exit = (await events.until((i) => i.data.type === "exit" && i.data.pid === "hog")).at(-1)!.data;
  events.close();
  expect(seen.some((i) => i.data.type === "exit" && i.data.pid === "init")).toBe(false);
  expect(exit.status).toBe(137);
  expect((await d.json<{ status: string }>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
  await d.signal(id, "SIGKILL");
  const all = await d.events(`storedOnly=true&after=0&id=${id}`).all();
  expect(all.filter((i) => i.data.type === "oom")).toHaveLength(1);
});
