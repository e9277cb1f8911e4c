/** A shim that dies while berthd runs: its container is killed, every process reported 137 once, nothing left. */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Container, Event } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

const inProc = (pid: number) => existsSync(`/proc/${pid}`);
const zombie = (pid: number) => {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

for (const paused of [false, true]) {
  test(`SIGKILL of the shim of a ${paused ? "paused" : "running"} container: 137 for each process, exec first; all released`, async () => {
    const id = uid();
    const path = bundle(["sleep", "1000"]);
    const c = await d.create(id, path);
    const exec = (await d.json<{ systemPid: number }>("POST", `/v1/containers/${id}/processes`, { pid: "worker", args: ["sleep", "1000"] })).body;
    if (paused) expect(Bun.spawnSync(["runc", "pause", id]).exitCode).toBe(0);
    const events = d.events(`id=${id}&after=0`);
    await events.ready;
    const shim = readShimRecord(new ContainerLayout(join(d.stateDir, "containers", id)))!;
    const killedAt = performance.now();
    process.kill(shim.pid, "SIGKILL");
    const seen = await events.until((i) => i.data.type === "exit" && i.data.pid === "init");
    expect(performance.now() - killedAt).toBeLessThan(5000);
    events.close();
    const exits = seen.filter((i: { data: Event }) => i.data.type === "exit").map((i) => [i.data.pid, i.data.status]);
    expect(exits).toEqual([["worker", 137], ["init", 137]]);
    // Gone, not lingering as zombies: berthd adopted and reaped them.
    for (const pid of [c.processes[0]!.systemPid, exec.systemPid]) expect(inProc(pid) && !zombie(pid) ? "alive" : inProc(pid) ? "zombie" : "gone").toBe("gone");
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body).toMatchObject({ status: "stopped", exitStatus: 137 });
    // The delete of the stopped container answers once its cleanup is done: nothing of it is left.
    expect((await d.fetch(`/v1/containers/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(Bun.spawnSync(["runc", "state", id]).exitCode).not.toBe(0);
    expect(existsSync(`/sys/fs/cgroup/pids/${id}`)).toBe(false);
    expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
    // The id is free at once.
    await d.create(id, path);
    expect(await d.signal(id, "SIGKILL")).toBe(204);
  });
}
