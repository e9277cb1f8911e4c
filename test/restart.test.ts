/**
 * Restart policies (API.md): on-failure with maxRetries, always, the back-off measured from the events, a stop
 * through the API ending the policy, and restarts across a SIGKILL of berthd: a pending one is made once, an exit
 * while berthd was down is restarted at restore.
 */
import { afterEach, expect, test } from "bun:test";
import type { Container, Event } from "@berth/protocol";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { join } from "node:path";
import { alive, Daemon, isExit, REPO } from "./helpers/daemon.ts";

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
  removeBundles();
});

const get = async (id: string) => (await d!.json<Container>("GET", `/v1/containers/${id}`)).body;
const startsAndExits = (items: readonly { data: Event }[]) =>
  items.filter((i) => i.data.type === "start-container" || i.data.type === "exit").map((i) => (i.data.type === "exit" ? `exit ${i.data.status}` : "start"));

/** Until the container's last exit is out and no restart is pending: its policy has run its course. */
async function settled(id: string): Promise<Container> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await Bun.sleep(20)) {
    const c = await get(id);
    if (c.status === "stopped" && c.restartAt === undefined) return c;
  }
  throw new Error(`container ${id} did not settle`);
}

test("on-failure restarts a failing init at most maxRetries times, with the same id, labels and logs; a zero exit is not restarted", async () => {
  d = await Daemon.start();
  const id = uid("fail");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sh", "-c", "echo life; exit 3"]), { labels: ["k=v"], restart: { policy: "on-failure", maxRetries: 2 } });
  const seen = await events.until((i) => i.data.type === "exit" && (startsAndExits(events.collected()).filter((e) => e === "exit 3").length === 3));
  events.close();
  expect(startsAndExits(seen)).toEqual(["start", "exit 3", "start", "exit 3", "start", "exit 3"]);
  const c = await settled(id);
  expect(c).toMatchObject({ status: "stopped", exitStatus: 3, restart: { policy: "on-failure", maxRetries: 2 }, restartCount: 2, labels: ["k=v"] });
  // follow ends once the last life's output has drained (it drains after its exit is out).
  expect(await (await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true`)).text()).toBe("life\nlife\nlife\n");

  const ok = uid("ok");
  const okEvents = d.events(`id=${ok}&after=0`);
  await okEvents.ready;
  await d.create(ok, bundle(["true"]), { restart: { policy: "on-failure" } });
  await okEvents.until(isExit("init", ok));
  okEvents.close();
  expect(await settled(ok)).toMatchObject({ exitStatus: 0, restartCount: 0 });
});

test("always restarts with a back-off that doubles from 100 ms (measured between exit and start events); a stop through the API ends it", async () => {
  d = await Daemon.start();
  const id = uid("always");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sh", "-c", "exit 1"]), { restart: { policy: "always" } });
  const lives = 5;
  const seen = await events.until(() => startsAndExits(events.collected()).filter((e) => e === "start").length === lives, 30_000);
  const times = seen.filter((i) => i.data.type === "start-container" || i.data.type === "exit").map((i) => Date.parse(i.data.timestamp));
  // exit k at times[2k-1], start k+1 at times[2k]: the gaps are the back-off, 100, 200, 400, 800 ms.
  const gaps = Array.from({ length: lives - 1 }, (_, k) => times[2 * k + 2]! - times[2 * k + 1]!);
  gaps.forEach((gap, k) => expect(gap).toBeGreaterThanOrEqual(100 * 2 ** k - 5));
  expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
  // A signal to the init through the API ends the policy: whatever runs now, no more restarts.
  await d.json("POST", `/v1/containers/${id}/signal`, { signal: "SIGKILL" });
  const c = await settled(id);
  expect(c.status).toBe("stopped");
  const after = c.restartCount!;
  events.close();
  expect((await get(id)).restartCount).toBe(after);
});

test("a stop through the API is never restarted: DELETE ?force of an always container removes it for good", async () => {
  d = await Daemon.start();
  const id = uid("forced");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  await d.create(id, bundle(["sleep", "1000"]), { restart: { policy: "always" } });
  expect((await d.fetch(`/v1/containers/${id}?force=true`, { method: "DELETE" })).status).toBe(204);
  await events.until(isExit("init", id));
  events.close();
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
  // And a signal that kills it leaves it stopped, not restarted.
  const other = uid("signalled");
  await d.create(other, bundle(["sleep", "1000"]), { restart: { policy: "unless-stopped" } });
  expect(await d.signal(other, "SIGKILL")).toBe(204);
  expect(await settled(other)).toMatchObject({ exitStatus: 137, restartCount: 0 });
});

test("restarts survive a SIGKILL of berthd: a pending restart is made once, an exit while berthd was down is restarted at restore", async () => {
  d = await Daemon.start();
  const id = uid("pending");
  const restored = async () => {
    while ((await d!.json<{ restoring: boolean }>("GET", "/healthz")).body.restoring) await Bun.sleep(5);
  };
  // Four lives in all, each failing after a moment.
  const first = d.events(`id=${id}&after=0`);
  await first.ready;
  await d.create(id, bundle(["sh", "-c", "sleep 0.3; exit 2"]), { restart: { policy: "on-failure", maxRetries: 3 } });
  await first.until(isExit("init", id));
  first.close();
  // Killed with the first restart pending: the restarted berthd makes it.
  await d.kill("SIGKILL");
  await d.launch();
  await restored();
  const second = d.events(`id=${id}&after=2`);
  await second.until((i) => i.data.type === "start-container");
  second.close();
  // Killed while the second life runs; it fails while no berthd runs; the restarted berthd restarts it.
  const pid = (await get(id)).processes[0]!.systemPid;
  await d.kill("SIGKILL");
  while (alive(pid)) await Bun.sleep(5);
  await d.launch();
  await restored();
  const c = await settled(id);
  expect(c).toMatchObject({ exitStatus: 2, restartCount: 3 });
  const all = await d.events(`storedOnly=true&after=0&id=${id}`).all();
  expect(startsAndExits(all)).toEqual(["start", "exit 2", "start", "exit 2", "start", "exit 2", "start", "exit 2"]);
});

test("autoRemove and a restart policy do not go together: 400, nothing made", async () => {
  d = await Daemon.start();
  const id = uid("both");
  const res = await d.json<{ error: { code: string } }>("POST", "/v1/containers", { id, bundlePath: bundle(["true"]), autoRemove: true, restart: { policy: "always" } });
  expect([res.status, res.body.error.code]).toEqual([400, "invalid_argument"]);
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
});

test("berth start --restart on-failure:1 and run --restart; ls shows the restarts; a bad policy is a usage error", async () => {
  d = await Daemon.start();
  const berth = (args: string[]) => {
    const r = Bun.spawnSync([process.execPath, join(REPO, "packages/cli/src/main.ts"), "--address", `unix://${d!.socket}`, ...args]);
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  const id = uid("cli");
  expect(berth(["start", "--restart", "on-failure:1", id, bundle(["sh", "-c", "exit 4"])]).code).toBe(0);
  expect(await settled(id)).toMatchObject({ restart: { policy: "on-failure", maxRetries: 1 }, restartCount: 1, exitStatus: 4 });
  const row = berth(["ls", "-a"]).out.split("\n").find((l) => l.startsWith(id))!;
  expect(row).toMatch(new RegExp(`^${id}\\s+stopped \\(4\\)\\s+1\\s`));
  const bad = berth(["start", "--restart", "sometimes", uid("x"), bundle(["true"])]);
  expect([bad.code, bad.err]).toEqual([2, expect.stringContaining("--restart takes no, on-failure[:N], always or unless-stopped")]);
  const ran = uid("ran");
  expect(berth(["run", "-d", "--name", ran, "--restart", "always", "--rootfs", join(REPO, "dist/rootfs"), "sleep", "1000"]).code).toBe(0);
  expect((await get(ran)).restart).toEqual({ policy: "always" });
  expect(await d.signal(ran, "SIGKILL")).toBe(204);
});
