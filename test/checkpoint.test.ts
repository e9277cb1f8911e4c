/**
 * Checkpoints over the HTTP API. CRIU does not work on every kernel: the real round trip runs only where
 * `criu check` passes. The argv berthd builds, the checkpoint dirs, the error path and the create-from-checkpoint
 * plumbing are tested everywhere with a fake runtime that records its calls and does what CRIU would do.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Checkpoint, Container, Event } from "@berth/protocol";
import { readJson } from "@berth/state";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";
import { fakeRuntime } from "./helpers/runtime.ts";

/**
 * checkpoint: fails like runc does when CRIU fails (a dump.log in the work dir, "criu failed" in runc's log) if
 * the file `fail` exists, else writes an image file and, without --leave-running, kills the container as CRIU
 * does. restore: `runc create` + `runc start` of the bundle, which is what a restore amounts to here.
 */
const runtime = fakeRuntime(`  checkpoint)
    image=$(flag image-path); work=$(flag work-path)
    if [ -e "$dir/fail" ]; then
      mkdir -p "$work"
      echo "(00.012000) Error (criu/cr-dump.c:2093): Dumping FAILED." > "$work/dump.log"
      printf '{"level":"error","msg":"criu failed: type DUMP errno 0\\\\nlog file: %s/dump.log"}\\n' "$work" >> "$log"
      exit 1
    fi
    touch "$image/inventory.img"
    case " $args " in *" --leave-running "*) ;; *) runc kill "$last" KILL ;; esac
    exit 0 ;;
  restore)
    runc create --bundle "$(flag bundle)" --pid-file "$(flag pid-file)" "$last" && exec runc start "$last" ;;`);

let d: Daemon;
useDaemon((daemon) => (d = daemon));
afterAll(() => runtime.remove());

type ErrorBody = { error: { code: string; message: string } };
const is = (id: string, type: Event["type"]) => (i: { data: Event }) => i.data.id === id && i.data.type === type;
const callsOf = (sub: string, id: string) => runtime.calls().filter((c) => c[0] === sub && c.at(-1) === id);

async function storedTypes(id: string): Promise<string[]> {
  return (await d.events(`storedOnly=true&after=0&id=${id}`).all()).map((i) => i.data.type);
}

async function fakeContainer(): Promise<{ id: string; path: string }> {
  const id = uid();
  const path = bundle(["sleep", "1000"]);
  await d.create(id, path, { runtime: runtime.path });
  return { id, path };
}

describe("with a fake runtime", () => {
  test("a checkpoint goes to <bundle>/checkpoints/<name> with its options; runc gets them as flags; the container runs on", async () => {
    const { id, path } = await fakeContainer();
    const res = await d.json<Checkpoint>("POST", `/v1/containers/${id}/checkpoints`, {
      name: "one", tcp: true, unixSockets: true, shell: true, emptyNamespaces: ["network"],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "one", exit: false, tcp: true, unixSockets: true, shell: true, emptyNamespaces: ["network"] });
    const image = join(path, "checkpoints", "one");
    expect(callsOf("checkpoint", id)).toEqual([[
      "checkpoint", "--image-path", image, "--work-path", join(image, "criu.work"),
      "--tcp-established", "--ext-unix-sk", "--shell-job", "--empty-ns", "network", "--leave-running", id,
    ]]);
    expect(readJson(join(image, "config.json"))).toEqual(res.body);
    expect(existsSync(join(image, "inventory.img"))).toBe(true);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect(await storedTypes(id)).toEqual(["start-container", "checkpoint"]);

    const list = await d.json<Checkpoint[]>("GET", `/v1/containers/${id}/checkpoints`);
    expect(list.body).toEqual([res.body]);
    const again = await d.json<ErrorBody>("POST", `/v1/containers/${id}/checkpoints`, { name: "one" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_exists");

    expect((await d.fetch(`/v1/containers/${id}/checkpoints/one`, { method: "DELETE" })).status).toBe(204);
    expect(existsSync(image)).toBe(false);
    expect((await d.json<Checkpoint[]>("GET", `/v1/containers/${id}/checkpoints`)).body).toEqual([]);
    expect((await d.json<ErrorBody>("DELETE", `/v1/containers/${id}/checkpoints/one`)).status).toBe(404);
    await d.signal(id, "SIGKILL");
  });

  test("checkpointDir puts a checkpoint elsewhere; list and delete take the same dir", async () => {
    const { id, path } = await fakeContainer();
    const elsewhere = mkdtempSync(join(tmpdir(), "berth-checkpoints-"));
    try {
      expect((await d.json("POST", `/v1/containers/${id}/checkpoints`, { name: "away", checkpointDir: elsewhere })).status).toBe(201);
      expect(readdirSync(elsewhere)).toEqual(["away"]);
      expect(existsSync(join(path, "checkpoints"))).toBe(false);
      const q = `checkpointDir=${encodeURIComponent(elsewhere)}`;
      expect((await d.json<Checkpoint[]>("GET", `/v1/containers/${id}/checkpoints?${q}`)).body.map((c) => c.name)).toEqual(["away"]);
      expect((await d.json<Checkpoint[]>("GET", `/v1/containers/${id}/checkpoints`)).body).toEqual([]);
      expect((await d.fetch(`/v1/containers/${id}/checkpoints/away?${q}`, { method: "DELETE" })).status).toBe(204);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
      await d.signal(id, "SIGKILL");
    }
  });

  test("CRIU's failure reaches the user as runtime_error with CRIU's words; no checkpoint dir or event is left", async () => {
    const { id, path } = await fakeContainer();
    writeFileSync(join(runtime.dir, "fail"), "");
    try {
      const res = await d.json<ErrorBody>("POST", `/v1/containers/${id}/checkpoints`, { name: "bad" });
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe("runtime_error");
      expect(res.body.error.message).toBe(`checkpoint container ${id}: criu failed: type DUMP errno 0: Error (criu/cr-dump.c:2093): Dumping FAILED.`);
    } finally {
      rmSync(join(runtime.dir, "fail"));
    }
    expect(existsSync(join(path, "checkpoints"))).toBe(false);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect(await storedTypes(id)).toEqual(["start-container"]);
    await d.signal(id, "SIGKILL");
  });

  test("with exit the container is not left running: checkpoint, then its exit", async () => {
    const { id } = await fakeContainer();
    const events = d.events(`id=${id}&after=0`);
    expect((await d.json("POST", `/v1/containers/${id}/checkpoints`, { name: "last", exit: true })).status).toBe(201);
    const seen = await events.until(is(id, "exit"));
    events.close();
    expect(callsOf("checkpoint", id)[0]).not.toContain("--leave-running");
    expect(seen.map((i) => [i.data.type, i.data.status])).toEqual([["start-container", undefined], ["checkpoint", undefined], ["exit", 137]]);
  });

  test("a create from a checkpoint runs runc restore --detach with the checkpoint's options and no separate start", async () => {
    const { id, path } = await fakeContainer();
    expect((await d.json("POST", `/v1/containers/${id}/checkpoints`, { name: "snap", tcp: true, shell: true })).status).toBe(201);
    await d.signal(id, "SIGKILL");
    const restored = uid();
    const events = d.events(`id=${restored}&after=0`);
    const created = await d.create(restored, path, { runtime: runtime.path, checkpoint: "snap" });
    expect(created.status).toBe("running");
    const image = join(path, "checkpoints", "snap");
    const [call, ...more] = callsOf("restore", restored);
    expect(more).toEqual([]);
    expect(call).toEqual([
      "restore", "--detach", "--bundle", path, "--pid-file", join(d.stateDir, "containers", restored, "init.pid"),
      "--image-path", image, "--work-path", expect.stringMatching(new RegExp(`^${image}/criu\\.work/restore-\\d+$`)),
      "--tcp-established", "--shell-job", restored,
    ]);
    expect(callsOf("run", restored)).toEqual([]);
    expect(callsOf("create", restored)).toEqual([]);
    expect(callsOf("start", restored)).toEqual([]);
    await d.signal(restored, "SIGKILL");
    const seen = await events.until(is(restored, "exit"));
    events.close();
    expect(seen.map((i) => [i.data.type, i.data.status])).toEqual([["start-container", undefined], ["exit", 137]]);
  });

  test("bad checkpoint requests get a clear 4xx and leave nothing", async () => {
    const { id, path } = await fakeContainer();
    const other = uid();
    const cases: [string, string, string, unknown, number, string][] = [
      ["name escaping the dir", "POST", `/v1/containers/${id}/checkpoints`, { name: "../x" }, 400, "invalid_argument"],
      ["no name", "POST", `/v1/containers/${id}/checkpoints`, { exit: true }, 400, "invalid_argument"],
      ["relative checkpointDir", "POST", `/v1/containers/${id}/checkpoints`, { name: "a", checkpointDir: "cp" }, 400, "invalid_argument"],
      ["unknown option", "POST", `/v1/containers/${id}/checkpoints`, { name: "a", leaveRunning: true }, 400, "invalid_argument"],
      ["create, unknown container", "POST", `/v1/containers/${other}/checkpoints`, { name: "a" }, 404, "not_found"],
      ["list, unknown container", "GET", `/v1/containers/${other}/checkpoints`, undefined, 404, "not_found"],
      ["delete, unknown container", "DELETE", `/v1/containers/${other}/checkpoints/a`, undefined, 404, "not_found"],
      ["delete, unknown checkpoint", "DELETE", `/v1/containers/${id}/checkpoints/nope`, undefined, 404, "not_found"],
      ["restore, unknown checkpoint", "POST", "/v1/containers", { id: other, bundlePath: path, checkpoint: "nope" }, 400, "invalid_argument"],
      ["restore, bad checkpoint name", "POST", "/v1/containers", { id: other, bundlePath: path, checkpoint: "../../x" }, 400, "invalid_argument"],
    ];
    for (const [name, method, route, body, status, code] of cases) {
      const res = await d.json<ErrorBody>(method, route, body);
      expect({ name, status: res.status, code: res.body.error.code }).toEqual({ name, status, code });
    }
    expect(existsSync(join(path, "checkpoints"))).toBe(false);
    expect(readdirSync(join(d.stateDir, "containers"))).not.toContain(other);
    expect(await storedTypes(id)).toEqual(["start-container"]);
    await d.signal(id, "SIGKILL");
  });
});

/** `criu check` passes only where CRIU can dump and restore (not on every kernel). */
function criuUnusable(): string | undefined {
  try {
    const check = Bun.spawnSync(["criu", "check"], { stdout: "pipe", stderr: "pipe" });
    if (check.exitCode === 0) return undefined;
    return `\`criu check\` fails: ${`${check.stderr}${check.stdout}`.trim().split("\n").at(-1)}`;
  } catch (err) {
    return `criu cannot run: ${(err as Error).message}`;
  }
}

const skipReason = criuUnusable();
if (skipReason) console.log(`skipping the real CRIU checkpoint test: ${skipReason}`);

test.skipIf(skipReason !== undefined)("with real CRIU: checkpoint with exit, then a new container restored from it runs on", async () => {
  const id = uid();
  const path = bundle(["sh", "-c", "i=0; while :; do i=$((i+1)); sleep 0.1; done"]);
  const events = d.events(`id=${id}&after=0`);
  await d.create(id, path);
  const res = await d.json<ErrorBody>("POST", `/v1/containers/${id}/checkpoints`, { name: "real", exit: true });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
  await events.until(is(id, "exit"));
  events.close();
  const restored = await d.create(uid(), path, { checkpoint: "real" });
  expect(restored.status).toBe("running");
  expect(restored.pids.length).toBeGreaterThan(0);
  await d.signal(restored.id, "SIGKILL");
});
