/** Many creates in flight at once: all succeed (or fail cleanly), nothing deadlocks, every exit is reported once. */
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Container } from "@berth/protocol";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

test("50 concurrent creates all start, are listed, and each exit is reported exactly once", async () => {
  const path = bundle(["sleep", "1000"]);
  const ids = Array.from({ length: 50 }, () => uid("c"));
  const events = d.events("after=0");
  await events.ready;
  const results = await Promise.all(ids.map((id) => d.json<Container>("POST", "/v1/containers", { id, bundlePath: path })));
  expect(results.map((r) => r.status)).toEqual(ids.map(() => 201));

  const listed = (await d.json<Container[]>("GET", "/v1/containers")).body;
  expect(listed.map((c) => c.id)).toEqual([...ids].sort());
  expect(listed.every((c) => c.status === "running" && c.pids.length === 1)).toBe(true);
  expect(new Set(listed.map((c) => c.processes[0]!.systemPid)).size).toBe(50);

  const statuses = await Promise.all(ids.map((id) => d.signal(id, "SIGKILL")));
  expect(statuses).toEqual(ids.map(() => 204));
  const exits = new Map<string, number>();
  await events.until((i) => {
    if (i.data.type === "exit") exits.set(i.data.id, (exits.get(i.data.id) ?? 0) + 1);
    return exits.size === 50;
  }, 60_000);
  events.close();
  expect([...exits.values()].every((n) => n === 1)).toBe(true);
  expect((await d.json<Container[]>("GET", "/v1/containers")).body).toEqual([]);
  // Kept stopped until deleted; each delete answers once its container is cleaned up, and then nothing is left.
  expect(await Promise.all(ids.map(async (id) => (await d.fetch(`/v1/containers/${id}`, { method: "DELETE" })).status))).toEqual(ids.map(() => 204));
  expect(readdirSync(join(d.stateDir, "containers"))).toEqual([]);
}, 60_000);

test("concurrent creates of one id: exactly one wins, the others get 409", async () => {
  const id = uid("dup");
  const path = bundle(["sleep", "1000"]);
  const results = await Promise.all(Array.from({ length: 8 }, () => d.json<{ error?: { code: string } }>("POST", "/v1/containers", { id, bundlePath: path })));
  const codes = results.map((r) => r.status).sort();
  expect(codes).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.error?.code === "already_exists")).toBe(true);
  await d.signal(id, "SIGKILL");
});
