/** Execs in running containers: output and status, kills, ordering against the init, detached and background children. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Process } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { makeFifo } from "@berth/sys";
import { bundle, uid } from "./helpers/bundles.ts";
import { alive, type Daemon, useDaemon, isExit } from "./helpers/daemon.ts";
import { fifoReader } from "./helpers/fifo.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

const sleeper = () => bundle(["sleep", "1000"]);

async function exec(id: string, body: Record<string, unknown>): Promise<Process> {
  const res = await d.json<Process>("POST", `/v1/containers/${id}/processes`, body);
  if (res.status !== 201) throw new Error(`exec: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

describe("exec", () => {
  test("runs in the container with its output, exact status and events; the container runs on", async () => {
    const id = uid();
    await d.create(id, sleeper());
    const events = d.events(`id=${id}&after=0`);
    const out = fifoReader();
    const p = await exec(id, { pid: "e1", args: ["sh", "-c", "echo in $(hostname); exit 5"], stdout: out.path });
    expect(p).toMatchObject({ pid: "e1", status: "running", args: ["sh", "-c", "echo in $(hostname); exit 5"], cwd: "/", user: { uid: 0, gid: 0 } });
    expect(p.systemPid).toBeGreaterThan(1);
    // The container's environment by default, so PATH is set.
    expect(p.env.some((e) => e.startsWith("PATH="))).toBe(true);
    const seen = await events.until(isExit("e1"));
    events.close();
    expect(seen.map((i) => [i.data.type, i.data.pid ?? null])).toEqual([["start-container", null], ["start-process", "e1"], ["exit", "e1"]]);
    expect(seen.at(-1)!.data.status).toBe(5);
    expect(await out.text).toBe("in berth\n");
    expect((await d.json("POST", `/v1/containers/${id}/processes/e1/wait`)).body).toEqual({ status: 5 });
    const after = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(after.status).toBe("running");
    expect(after.processes.find((x) => x.pid === "e1")).toMatchObject({ status: "exited", exitStatus: 5 });
    await d.signal(id, "SIGKILL");
  });

  test("killing an exec leaves the container running and listed", async () => {
    const id = uid();
    await d.create(id, sleeper());
    const events = d.events(`id=${id}&after=0`);
    const p = await exec(id, { pid: "victim", args: ["sleep", "1000"] });
    expect(await d.signal(id, "SIGKILL", "victim")).toBe(204);
    expect((await events.until(isExit("victim"))).at(-1)!.data.status).toBe(137);
    events.close();
    expect(alive(p.systemPid)).toBe(false);
    const c = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(c.status).toBe("running");
    expect(c.pids).toHaveLength(1);
    await d.signal(id, "SIGKILL");
  });

  test("when the init dies with an exec running, both exits are reported, the exec's first", async () => {
    const id = uid();
    await d.create(id, sleeper());
    const events = d.events(`id=${id}&after=0`);
    await exec(id, { pid: "worker", args: ["sleep", "1000"] });
    await d.signal(id, "SIGKILL");
    const exits = (await events.until(isExit("init"))).filter((i) => i.data.type === "exit");
    events.close();
    expect(exits.map((i) => [i.data.pid, i.data.status])).toEqual([["worker", 137], ["init", 137]]);
  });

  test("an exec whose main process exits while a detached child runs on is reported at once", async () => {
    const id = uid();
    await d.create(id, sleeper());
    const events = d.events(`id=${id}&after=0`);
    await exec(id, { pid: "detacher", args: ["sh", "-c", "sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > /tmp/child; exit 0"] });
    expect((await events.until(isExit("detacher"))).at(-1)!.data.status).toBe(0);
    events.close();
    // The detached child is still running in the container.
    const c = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(c.pids.length).toBe(2);
    await d.signal(id, "SIGKILL");
  });

  test("an exec whose background child still holds its output is reported when that output is released", async () => {
    const id = uid();
    await d.create(id, sleeper());
    const events = d.events(`id=${id}&after=0`);
    await exec(id, { pid: "bg", args: ["sh", "-c", "(sleep 0.3; echo late) & echo early"] });
    await events.until(isExit("bg"));
    events.close();
    const log = readFileSync(join(d.stateDir, "containers", id, "logs", "bg.log"), "utf8");
    expect(log).toBe("early\nlate\n");
    await d.signal(id, "SIGKILL");
  });

  test("background jobs of an exec shell leave no defunct process behind", async () => {
    const id = uid();
    // Without a pid namespace of its own, orphans come to the shim, which must reap them.
    await d.create(id, bundle(["sleep", "1000"], { pidNamespace: false }));
    const events = d.events(`id=${id}&after=0`);
    await exec(id, { pid: "jobs", args: ["sh", "-c", "for i in 1 2 3 4 5; do (sleep 0.05; exit $i) & done; exit 0"] });
    await events.until(isExit("jobs"));
    events.close();
    // The jobs were orphaned to the shim; its sweep reaps them about 50 ms after the last SIGCHLD.
    const shim = readShimRecord(new ContainerLayout(join(d.stateDir, "containers", id)))!;
    const zombieChildren = () => readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const status = readFileSync(`/proc/${p}/status`, "utf8");
        return /^State:\s+Z/m.test(status) && new RegExp(`^PPid:\\s+${shim.pid}$`, "m").test(status);
      } catch {
        return false;
      }
    });
    const deadline = Date.now() + 2000;
    while (zombieChildren().length > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(zombieChildren()).toEqual([]);
    const c = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(c.pids).toContain(c.processes[0]!.systemPid);
    await d.signal(id, "SIGKILL");
  });

  test("wait on an exec that already exited answers at once; wait on init answers with its exit", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"], { pidNamespace: false }));
    await exec(id, { pid: "quick", args: ["true"] });
    expect((await d.json("POST", `/v1/containers/${id}/processes/quick/wait`)).body).toEqual({ status: 0 });
    const waiting = d.json("POST", `/v1/containers/${id}/processes/init/wait`);
    await d.signal(id, "SIGTERM");
    expect((await waiting).body).toEqual({ status: 143 });
  });
});

describe("exec failures", () => {
  test("bad requests are 4xx and change nothing; a missing executable is runtime_error and leaves nothing", async () => {
    const id = uid();
    await d.create(id, sleeper());
    await exec(id, { pid: "dup", args: ["sleep", "1000"] });
    const cases: [string, string, unknown, number, string][] = [
      ["duplicate exec id", id, { pid: "dup", args: ["true"] }, 409, "already_exists"],
      ["exec id init", id, { pid: "init", args: ["true"] }, 409, "already_exists"],
      ["unknown container", uid(), { pid: "x", args: ["true"] }, 404, "not_found"],
      ["empty args", id, { pid: "x", args: [] }, 400, "invalid_argument"],
      ["bad exec id", id, { pid: "no/slash", args: ["true"] }, 400, "invalid_argument"],
      ["relative cwd", id, { pid: "x", args: ["true"], cwd: "tmp" }, 400, "invalid_argument"],
    ];
    for (const [name, cid, body, status, code] of cases) {
      const res = await d.json<{ error: { code: string } }>("POST", `/v1/containers/${cid}/processes`, body);
      expect({ name, status: res.status, code: res.body.error.code }).toEqual({ name, status, code });
    }
    const missing = await d.json<{ error: { code: string; message: string } }>("POST", `/v1/containers/${id}/processes`, { pid: "nofile", args: ["NoSuchFile"] });
    expect(missing.status).toBe(500);
    expect(missing.body.error.code).toBe("runtime_error");
    expect(missing.body.error.message).toContain('exec: "NoSuchFile": executable file not found in $PATH');
    expect(existsSync(join(d.stateDir, "containers", id, "processes", "nofile.json"))).toBe(false);
    const c = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(c.processes.map((p) => p.pid)).toEqual(["init", "dup"]);
    expect((await d.json("GET", `/v1/containers/${id}/processes/nofile`)).status).toBe(404);
    await d.signal(id, "SIGKILL");
  });
});

test("an exec waiting for its stdout FIFO's reader does not hold up a signal to its container", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const fifo = join(mkdtempSync(join(tmpdir(), "bf-")), "out");
  makeFifo(fifo); // nobody will read it
  const events = d.events(`id=${id}&after=0`);
  const pending = d.json<{ error?: { code: string } }>("POST", `/v1/containers/${id}/processes`, { pid: "waiting", args: ["true"], stdout: fifo });
  await Bun.sleep(100); // the shim is now polling for a reader (the scenario is about that wait)
  const started = performance.now();
  expect(await d.signal(id, "SIGKILL")).toBe(204);
  expect(performance.now() - started).toBeLessThan(10_000); // far below the 30 s the exec's FIFO wait may take
  await events.until(isExit("init"));
  events.close();
  const res = await pending;
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("stopped");
});
