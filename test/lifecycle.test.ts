/** The container lifecycle over the HTTP API, with real runc containers: output, listing, exits, signals, events. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container } from "@berth/protocol";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon, isExit } from "./helpers/daemon.ts";
import { fifoReader } from "./helpers/fifo.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));


describe("exits", () => {
  test("a short container's output through client FIFOs is complete at its exit event, with its exact exit code", async () => {
    const id = uid();
    const out = fifoReader("stdout");
    const err = fifoReader("stderr");
    const events = d.events(`id=${id}&after=0`);
    await d.create(id, bundle(["sh", "-c", "echo hello; echo oops >&2; exit 3"]), { stdout: out.path, stderr: err.path });
    const seen = await events.until(isExit("init", id));
    events.close();
    expect(seen.map((i) => i.data.type)).toEqual(["start-container", "exit"]);
    expect(seen.at(-1)!.data.status).toBe(3);
    // EOF means every writer is gone: the shim kept no write end of the client's FIFOs.
    expect(await out.text).toBe("hello\n");
    expect(await err.text).toBe("oops\n");
  });

  test("a long-running container is listed running with its bundle path and pids; SIGKILL gives 137", async () => {
    const id = uid();
    const path = bundle(["sleep", "1000"]);
    const created = await d.create(id, path, { labels: ["team=core"] });
    expect(created.status).toBe("running");
    const init = created.processes[0]!;
    expect(init).toMatchObject({ pid: "init", status: "running", args: ["sleep", "1000"] });
    expect(init.systemPid).toBeGreaterThan(1);

    const list = await d.json<Container[]>("GET", "/v1/containers");
    const listed = list.body.find((c) => c.id === id)!;
    expect(listed).toMatchObject({ bundlePath: path, status: "running", labels: ["team=core"], runtime: "runc" });
    expect(listed.pids).toContain(init.systemPid);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.pids).toContain(init.systemPid);
    // The listing (kept serialized) says what the container's own GET says, with the same content type.
    const [many, one] = [await d.fetch("/v1/containers"), await d.fetch(`/v1/containers/${id}`)];
    expect(many.headers.get("content-type")).toBe(one.headers.get("content-type")!);
    expect(((await many.json()) as Container[]).find((c) => c.id === id)).toEqual((await one.json()) as Container);
    const state = await d.json<{ containers: Container[]; machine: { cpus: number; memory: number } }>("GET", "/v1/state");
    expect(state.body.containers.map((c) => c.id)).toContain(id);
    expect(state.body.machine.cpus).toBeGreaterThan(0);
    expect(state.body.machine.memory).toBeGreaterThan(1 << 20);

    const events = d.events(`id=${id}&after=0`);
    expect(await d.signal(id, "SIGKILL")).toBe(204);
    expect((await events.until(isExit("init", id))).at(-1)!.data.status).toBe(137);
    events.close();
    // Kept as a stopped container: not listed by default, listed with all=true, inspectable until deleted.
    const stopped = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(stopped).toMatchObject({ status: "stopped", exitStatus: 137, pids: [] });
    expect(stopped.processes[0]).toMatchObject({ pid: "init", status: "exited", exitStatus: 137 });
    expect((await d.json<Container[]>("GET", "/v1/containers")).body.map((c) => c.id)).not.toContain(id);
    expect((await d.json<Container[]>("GET", "/v1/containers?all=true")).body.map((c) => c.id)).toContain(id);
  });

  test("SIGTERM kills a process without a handler: 143", async () => {
    const id = uid();
    const events = d.events(`id=${id}&after=0`);
    // Outside a pid namespace of its own, so the init is not shielded as pid 1 is.
    await d.create(id, bundle(["sleep", "1000"], { pidNamespace: false }));
    expect(await d.signal(id, 15)).toBe(204);
    expect((await events.until(isExit("init", id))).at(-1)!.data.status).toBe(143);
    events.close();
  });

  test("a signal the container traps reaches it", async () => {
    const id = uid();
    const out = fifoReader();
    const events = d.events(`id=${id}&after=0`);
    await d.create(id, bundle(["sh", "-c", "trap 'echo got USR1; exit 42' USR1; echo ready; while :; do sleep 0.05; done"]), { stdout: out.path });
    expect((await out.lines.next()).value).toBe("ready");
    expect(await d.signal(id, "USR1")).toBe(204);
    expect((await events.until(isExit("init", id))).at(-1)!.data.status).toBe(42);
    events.close();
    expect(await out.text).toBe("ready\ngot USR1\n");
  });
});

describe("failures", () => {
  test("a missing executable is runtime_error with runc's message, and leaves no state dir, shim or runc container", async () => {
    const id = uid();
    const res = await d.json<{ error: { code: string; message: string } }>("POST", "/v1/containers", { id, bundlePath: bundle(["NoSuchFile"]) });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("runtime_error");
    expect(res.body.error.message).toContain('exec: "NoSuchFile": executable file not found in $PATH');
    expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
    const runcState = Bun.spawnSync(["runc", "state", id]);
    expect(runcState.exitCode).not.toBe(0);
    expect(runcState.stderr.toString()).toContain("does not exist");
    const shims = Bun.spawnSync(["pgrep", "-f", `containers/${id}$`]);
    expect(shims.stdout.toString()).toBe("");
    expect((await d.json<Container[]>("GET", "/v1/containers")).body.map((c) => c.id)).not.toContain(id);
  });

  test("a duplicate id is 409 and leaves the first container running", async () => {
    const id = uid();
    const path = bundle(["sleep", "1000"]);
    const first = await d.create(id, path);
    const again = await d.json<{ error: { code: string } }>("POST", "/v1/containers", { id, bundlePath: path });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_exists");
    const now = (await d.json<Container>("GET", `/v1/containers/${id}`)).body;
    expect(now.status).toBe("running");
    expect(now.processes[0]!.systemPid).toBe(first.processes[0]!.systemPid);
    await d.signal(id, "SIGKILL");
  });

  test("an id can be used again as soon as its exit event arrives", async () => {
    const id = uid();
    const path = bundle(["sh", "-c", "exit 7"]);
    const events = d.events(`id=${id}&after=0`);
    await d.create(id, path);
    const first = (await events.until(isExit("init", id))).at(-1)!.data;
    // Created from the exit event's arrival on: no wait, no retry.
    await d.create(id, path);
    const second = (await events.until((i) => isExit("init", id)(i) && i.data.seq > first.seq)).at(-1)!.data;
    events.close();
    expect([first.status, second.status]).toEqual([7, 7]);
    // The second life replaced the first: one stopped container under the id.
    expect((await d.json<Container[]>("GET", "/v1/containers?all=true")).body.filter((c) => c.id === id)).toHaveLength(1);
  });
});

describe("events", () => {
  test("stored events replay in order, filtered by id; storedOnly ends the stream", async () => {
    const a = uid("a");
    const b = uid("b");
    const live = d.events("after=0");
    await live.ready;
    await d.create(a, bundle(["true"]));
    await live.until(isExit("init", a));
    await d.create(b, bundle(["true"]));
    await live.until(isExit("init", b));
    live.close();

    const stored = await d.events(`storedOnly=true&after=0&id=${a}`).all();
    expect(stored.map((i) => [i.event, i.data.id, i.data.pid, i.data.status])).toEqual([
      ["start-container", a, undefined, undefined],
      ["exit", a, "init", 0],
    ]);
    const seqs = stored.map((i) => i.data.seq);
    expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
    expect(stored.map((i) => i.id)).toEqual(seqs.map(String));

    // after, Last-Event-ID and since select the same suffix.
    const afterFirst = await d.events(`storedOnly=true&after=${seqs[0]}&id=${a}`).all();
    expect(afterFirst.map((i) => i.data.seq)).toEqual([seqs[1]!]);
    const byHeader = await d.events(`storedOnly=true&id=${a}`, { "Last-Event-ID": String(seqs[0]) }).all();
    expect(byHeader.map((i) => i.data.seq)).toEqual([seqs[1]!]);
    const since = await d.events(`storedOnly=true&id=${a}&since=${encodeURIComponent(stored[0]!.data.timestamp)}`).all();
    expect(since.map((i) => i.data.seq)).toEqual([seqs[1]!]);
  });

  test("storedOnly without since, after or Last-Event-ID is 400", async () => {
    const res = await d.json<{ error: { code: string } }>("GET", "/v1/events?storedOnly=true");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_argument");
  });
});

describe("bad requests", () => {
  const error = async (method: string, path: string, body?: unknown, raw?: string) => {
    const res = raw === undefined ? await d.json<{ error: { code: string; message: string } }>(method, path, body)
      : await d.fetch(path, { method, body: raw }).then(async (r) => ({ status: r.status, body: await r.json() as { error: { code: string; message: string } } }));
    return { status: res.status, code: res.body.error.code, message: res.body.error.message };
  };

  test("each gets a clear 4xx and changes nothing", async () => {
    const running = uid();
    await d.create(running, bundle(["sleep", "1000"]));
    const before = await d.json<Container[]>("GET", "/v1/containers?all=true");
    const dirsBefore = readdirSync(join(d.stateDir, "containers")).sort();
    const seqBefore = (await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq;
    const good = bundle(["true"]);
    const noConfig = bundle(["true"]);
    require("node:fs").rmSync(join(noConfig, "config.json"));

    const cases: [string, Promise<{ status: number; code: string; message: string }>, number, string][] = [
      ["invalid id", error("POST", "/v1/containers", { id: "../escape", bundlePath: good }), 400, "invalid_argument"],
      ["empty id", error("POST", "/v1/containers", { id: "", bundlePath: good }), 400, "invalid_argument"],
      ["relative bundle", error("POST", "/v1/containers", { id: uid(), bundlePath: "bundles/x" }), 400, "invalid_argument"],
      ["missing bundle", error("POST", "/v1/containers", { id: uid(), bundlePath: "/nonexistent/bundle" }), 400, "invalid_argument"],
      ["bundle without config.json", error("POST", "/v1/containers", { id: uid(), bundlePath: noConfig }), 400, "invalid_argument"],
      ["malformed json", error("POST", "/v1/containers", undefined, '{"id": "x",'), 400, "invalid_argument"],
      ["relative stdout", error("POST", "/v1/containers", { id: uid(), bundlePath: good, stdout: "out" }), 400, "invalid_argument"],
      ["unknown field", error("POST", "/v1/containers", { id: uid(), bundlePath: good, stdOut: "/tmp/x" }), 400, "invalid_argument"],
      ["unknown signal name", error("POST", `/v1/containers/${running}/signal`, { signal: "SIGNOPE" }), 400, "invalid_argument"],
      ["signal out of range", error("POST", `/v1/containers/${running}/signal`, { signal: 99 }), 400, "invalid_argument"],
      ["signal, unknown container", error("POST", `/v1/containers/${uid()}/signal`, { signal: 9 }), 404, "not_found"],
      ["signal, unknown process", error("POST", `/v1/containers/${running}/signal`, { pid: "nope", signal: 9 }), 404, "not_found"],
      ["get, unknown container", error("GET", `/v1/containers/${uid()}`), 404, "not_found"],
      ["get, invalid id", error("GET", "/v1/containers/bad%20id"), 400, "invalid_argument"],
      ["unknown route", error("GET", "/v1/nope"), 404, "not_found"],
    ];
    for (const [name, result, status, code] of cases) {
      const r = await result;
      expect({ name, status: r.status, code: r.code }).toEqual({ name, status, code });
      expect(r.message.length).toBeGreaterThan(0);
    }

    expect((await d.json<Container[]>("GET", "/v1/containers?all=true")).body).toEqual(before.body);
    const seqAfter = (await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq;
    expect(seqAfter).toBe(seqBefore);
    expect(readdirSync(join(d.stateDir, "containers")).sort()).toEqual(dirsBefore);
    await d.signal(running, "SIGKILL");
  });
});

describe("pids", () => {
  /** The container's cgroup.procs as the kernel lists them, and its pids as the listing and the container's GET say. */
  function views(id: string, init: number) {
    const procs = `/sys/fs/cgroup/pids/${readFileSync(`/proc/${init}/cgroup`, "utf8").match(/pids:(.*)/)![1]}/cgroup.procs`;
    const kernel = () => readFileSync(procs, "utf8").split("\n").filter(Boolean).map(Number).sort((a, b) => a - b);
    const listed = async () => (await d.json<Container[]>("GET", "/v1/containers")).body.find((x) => x.id === id)!.pids;
    const got = async () => (await d.json<Container>("GET", `/v1/containers/${id}`)).body.pids;
    return { kernel, listed, got };
  }

  /** Resolves once `file` holds `text`. */
  async function untilWritten(file: string, text: string): Promise<void> {
    while (!readFileSync(file, "utf8").includes(text)) await Bun.sleep(5);
  }

  test("a container's pids stay exact as its init forks a child that stays, and as that child exits", async () => {
    const id = uid();
    const out = join(mkdtempSync(join(tmpdir(), "bp-")), "out");
    writeFileSync(out, "");
    // Each SIGUSR1 makes the init fork a sleep; the first sleep keeps `wait` waiting.
    const script = "trap 'sleep 1000 & echo forked' USR1; sleep 1000 & echo ready; while :; do wait; done";
    const c = await d.create(id, bundle(["sh", "-c", script]), { stdout: out });
    const init = c.processes[0]!.systemPid;
    const { kernel, listed, got } = views(id, init);
    await untilWritten(out, "ready");
    expect(await listed()).toEqual(kernel());
    expect((await listed()).length).toBe(2);
    const before = kernel();
    await d.signal(id, "SIGUSR1");
    await untilWritten(out, "forked");
    const child = kernel().find((p) => !before.includes(p))!;
    expect(await listed()).toEqual(kernel());
    expect(await listed()).toContain(child);
    expect(await got()).toEqual(kernel());
    process.kill(child, "SIGKILL");
    while (kernel().includes(child)) await Bun.sleep(5);
    expect(await listed()).toEqual(kernel());
    expect(await got()).not.toContain(child);
    expect((await listed()).length).toBe(2);
    await d.signal(id, "SIGKILL");
  });

  test("a container's pids stay exact as processes inside it fork and exit, read from its cgroup at each request", async () => {
    const id = uid();
    const c = await d.create(id, bundle(["sleep", "1000"]));
    const { kernel, listed } = views(id, c.processes[0]!.systemPid);
    expect(await listed()).toEqual([c.processes[0]!.systemPid]);
    // A shell that forks a child: three processes.
    const out = join(mkdtempSync(join(tmpdir(), "bp-")), "out");
    writeFileSync(out, "");
    expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "forker", args: ["sh", "-c", "sleep 1000 & echo forked; wait"], stdout: out })).status).toBe(201);
    await untilWritten(out, "forked");
    expect((await listed()).length).toBe(3);
    expect(await listed()).toEqual(kernel());
    // The child dies; then the shell: each time the listing follows the kernel's.
    const child = kernel().find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("sleep\u00001000") && p !== c.processes[0]!.systemPid)!;
    process.kill(child, "SIGKILL");
    expect((await d.json("POST", `/v1/containers/${id}/processes/forker/wait`)).body).toEqual({ status: 0 });
    expect(await listed()).toEqual(kernel());
    expect(await listed()).toEqual([c.processes[0]!.systemPid]);
    await d.signal(id, "SIGKILL");
  });
});
