/** Container operations over the HTTP API with real runc containers: pause and resume, resource updates, stats, delete. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Container, Event, Stats } from "@berth/protocol";
import { cgroupsOf, makeFifo } from "@berth/sys";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";
import { fifoReader } from "./helpers/fifo.ts";
import { fakeRuntime } from "./helpers/runtime.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

type ErrorBody = { error: { code: string; message: string } };
const is = (id: string, type: Event["type"]) => (i: { data: Event }) => i.data.id === id && i.data.type === type;

/** One of the container's cgroup files, as the kernel shows it. */
function cgroupFile(pid: number, controller: string, name: string): string {
  return readFileSync(`${cgroupsOf(pid)!.dir(controller)}/${name}`, "utf8").trim();
}

function frozen(pid: number): boolean {
  const cgroups = cgroupsOf(pid)!;
  return cgroups.version === 1 ? cgroupFile(pid, "freezer", "freezer.state") === "FROZEN" : cgroupFile(pid, "memory", "cgroup.freeze") === "1";
}

async function storedTypes(id: string): Promise<string[]> {
  return (await d.events(`storedOnly=true&after=0&id=${id}`).all()).map((i) => i.data.type);
}

async function running(args = ["sleep", "1000"], memoryLimit?: number): Promise<{ id: string; pid: number }> {
  const id = uid();
  const created = await d.create(id, bundle(args, memoryLimit ? { memoryLimit } : {}));
  return { id, pid: created.processes[0]!.systemPid };
}

describe("pause and resume", () => {
  test("a paused container is frozen and listed paused; resume thaws it; each change emits its event once", async () => {
    const { id, pid } = await running();
    const events = d.events(`id=${id}&after=0`);

    const paused = await d.json<Container>("PATCH", `/v1/containers/${id}`, { status: "paused" });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("paused");
    expect(frozen(pid)).toBe(true);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("paused");
    expect((await d.json<Container[]>("GET", "/v1/containers")).body.find((c) => c.id === id)!.status).toBe("paused");
    // Asking again changes nothing and emits nothing.
    expect((await d.json<Container>("PATCH", `/v1/containers/${id}`, { status: "paused" })).body.status).toBe("paused");

    const resumed = await d.json<Container>("PATCH", `/v1/containers/${id}`, { status: "running" });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("running");
    expect(frozen(pid)).toBe(false);

    await d.signal(id, "SIGKILL");
    const seen = await events.until(is(id, "exit"));
    events.close();
    expect(seen.map((i) => i.data.type)).toEqual(["start-container", "pause", "resume", "exit"]);
  });

  test("an init that has exited cannot be paused (409), has no stats, and a delete waits for its release", async () => {
    // The fake runtime holds the shim's `runc delete` (its teardown after the init's exit) until the gate opens.
    const notify = fifoReader("notify");
    const runtime = fakeRuntime(`  delete) echo deleting > ${notify.path}; read go < "$dir/gate"; exec runc "$@" ;;`);
    makeFifo(join(runtime.dir, "gate"));
    const id = uid();
    const events = d.events(`id=${id}&after=0`);
    try {
      await d.create(id, bundle(["sh", "-c", "exit 3"]), { runtime: runtime.path });
      await notify.text;
      const pause = await d.json<ErrorBody>("PATCH", `/v1/containers/${id}`, { status: "paused" });
      expect(pause.status).toBe(409);
      expect(pause.body.error).toEqual({ code: "failed_precondition", message: `cannot pause stopped container ${id}` });
      expect((await d.json<ErrorBody>("GET", `/v1/containers/${id}/stats`)).body.error.code).toBe("failed_precondition");
      const deleted = d.fetch(`/v1/containers/${id}`, { method: "DELETE" });
      // Its reader, the fake runtime, is waiting: this open does not block.
      writeFileSync(join(runtime.dir, "gate"), "go\n");
      expect((await deleted).status).toBe(204);
      expect((await events.until(is(id, "exit"))).map((i) => [i.data.type, i.data.status])).toEqual([["start-container", undefined], ["exit", 3]]);
      expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
    } finally {
      events.close();
      runtime.remove();
    }
  });
});

describe("resource updates", () => {
  test("every field reaches the container's cgroup files; update is emitted; stats show the new limits", async () => {
    const { id, pid } = await running(["sleep", "1000"], 32 << 20);
    expect(Number(cgroupFile(pid, "memory", "memory.limit_in_bytes"))).toBe(32 << 20);
    const res = await d.json<Container>("PATCH", `/v1/containers/${id}`, {
      resources: {
        memoryLimit: 64 << 20, memorySwap: 128 << 20, memoryReservation: 16 << 20, kernelMemoryLimit: 64 << 20,
        cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, cpusetCpus: "0", cpusetMems: "0", blkioWeight: 500, pidsLimit: 50,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("running");
    expect({
      memory: Number(cgroupFile(pid, "memory", "memory.limit_in_bytes")),
      swap: Number(cgroupFile(pid, "memory", "memory.memsw.limit_in_bytes")),
      reservation: Number(cgroupFile(pid, "memory", "memory.soft_limit_in_bytes")),
      shares: cgroupFile(pid, "cpu", "cpu.shares"),
      period: cgroupFile(pid, "cpu", "cpu.cfs_period_us"),
      quota: cgroupFile(pid, "cpu", "cpu.cfs_quota_us"),
      cpus: cgroupFile(pid, "cpuset", "cpuset.cpus"),
      mems: cgroupFile(pid, "cpuset", "cpuset.mems"),
      pids: cgroupFile(pid, "pids", "pids.max"),
    }).toEqual({
      memory: 64 << 20, swap: 128 << 20, reservation: 16 << 20, shares: "512", period: "100000", quota: "50000", cpus: "0", mems: "0", pids: "50",
    });
    const stats = (await d.json<Stats>("GET", `/v1/containers/${id}/stats`)).body;
    expect(stats.memory.usage.limit).toBe(64 << 20);
    expect(stats.pids.limit).toBe(50);
    // Only what was given changes: a second update leaves the memory limit as it is.
    expect((await d.json("PATCH", `/v1/containers/${id}`, { resources: { pidsLimit: -1 } })).status).toBe(200);
    expect(cgroupFile(pid, "pids", "pids.max")).toBe("max");
    expect(Number(cgroupFile(pid, "memory", "memory.limit_in_bytes"))).toBe(64 << 20);
    expect(await storedTypes(id)).toEqual(["start-container", "update", "update"]);
    await d.signal(id, "SIGKILL");
  });

  test("a failing update is runtime_error with runc's words, changes nothing and emits nothing", async () => {
    const { id, pid } = await running();
    const before = cgroupFile(pid, "cpuset", "cpuset.cpus");
    const res = await d.json<ErrorBody>("PATCH", `/v1/containers/${id}`, { resources: { cpusetCpus: "4095" } });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("runtime_error");
    expect(res.body.error.message).toStartWith(`update container ${id}: `);
    expect(res.body.error.message).toContain("cpuset.cpus: numerical result out of range");
    expect(cgroupFile(pid, "cpuset", "cpuset.cpus")).toBe(before);
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect(await storedTypes(id)).toEqual(["start-container"]);
    await d.signal(id, "SIGKILL");
  });
});

describe("stats", () => {
  test("cpu, memory and pids come from the container's own cgroups", async () => {
    const { id, pid } = await running(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000"], 48 << 20);
    const res = await d.json<Stats>("GET", `/v1/containers/${id}/stats`);
    expect(res.status).toBe(200);
    const s = res.body;
    expect(Date.parse(s.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(s.cpu.usage.total).toBeGreaterThan(0);
    expect(s.cpu.usage.total).toBeLessThanOrEqual(Number(cgroupFile(pid, "cpuacct", "cpuacct.usage")));
    expect(s.cpu.usage.perCpu.length).toBe(cgroupFile(pid, "cpuacct", "cpuacct.usage_percpu").split(/\s+/).length);
    expect(s.memory.usage.usage).toBeGreaterThan(0);
    expect(s.memory.usage.limit).toBe(48 << 20);
    expect(s.memory.raw).toHaveProperty("rss");
    expect(s.pids.current).toBeGreaterThanOrEqual(1);
    expect(s.pids.limit).toBeUndefined();
    expect(s.hugetlb).toEqual({});
    await d.signal(id, "SIGKILL");
  });
});

describe("delete", () => {
  test("a running container is 409 without force and stays; with force it is killed (137) and gone at the answer", async () => {
    const { id } = await running();
    const refused = await d.json<ErrorBody>("DELETE", `/v1/containers/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("failed_precondition");
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect((await d.fetch(`/v1/containers/${id}?force=true`, { method: "DELETE" })).status).toBe(204);
    expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
    const stored = await d.events(`storedOnly=true&after=0&id=${id}`).all();
    expect(stored.map((i) => [i.data.type, i.data.status])).toEqual([["start-container", undefined], ["exit", 137]]);
  });

  test("a paused container is thawed first, so the kill takes", async () => {
    const { id } = await running();
    expect((await d.json("PATCH", `/v1/containers/${id}`, { status: "paused" })).status).toBe(200);
    expect((await d.fetch(`/v1/containers/${id}?force=true`, { method: "DELETE" })).status).toBe(204);
    const stored = await d.events(`storedOnly=true&after=0&id=${id}`).all();
    expect(stored.map((i) => [i.data.type, i.data.status])).toEqual([["start-container", undefined], ["pause", undefined], ["exit", 137]]);
  });
});

describe("bad requests", () => {
  test("each gets a clear 4xx and changes nothing", async () => {
    const { id, pid } = await running();
    const seqBefore = (await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq;
    const other = uid();
    const cases: [string, string, string, unknown, number, string][] = [
      ["status stopped", "PATCH", `/v1/containers/${id}`, { status: "stopped" }, 400, "invalid_argument"],
      ["status frozen", "PATCH", `/v1/containers/${id}`, { status: "frozen" }, 400, "invalid_argument"],
      ["empty patch", "PATCH", `/v1/containers/${id}`, {}, 400, "invalid_argument"],
      ["unknown patch field", "PATCH", `/v1/containers/${id}`, { state: "paused" }, 400, "invalid_argument"],
      ["unknown resource", "PATCH", `/v1/containers/${id}`, { resources: { memory: 1 } }, 400, "invalid_argument"],
      ["memory limit not a number", "PATCH", `/v1/containers/${id}`, { resources: { memoryLimit: "1g" } }, 400, "invalid_argument"],
      ["negative shares", "PATCH", `/v1/containers/${id}`, { resources: { cpuShares: -5 } }, 400, "invalid_argument"],
      ["cpuset not a list", "PATCH", `/v1/containers/${id}`, { resources: { cpusetCpus: "0;rm" } }, 400, "invalid_argument"],
      ["blkio weight too big", "PATCH", `/v1/containers/${id}`, { resources: { blkioWeight: 5000 } }, 400, "invalid_argument"],
      ["patch, unknown container", "PATCH", `/v1/containers/${other}`, { status: "paused" }, 404, "not_found"],
      ["delete, unknown container", "DELETE", `/v1/containers/${other}?force=true`, undefined, 404, "not_found"],
      ["delete, force not a boolean", "DELETE", `/v1/containers/${id}?force=maybe`, undefined, 400, "invalid_argument"],
      ["stats, unknown container", "GET", `/v1/containers/${other}/stats`, undefined, 404, "not_found"],
      ["stats, invalid id", "GET", "/v1/containers/bad%20id/stats", undefined, 400, "invalid_argument"],
    ];
    for (const [name, method, path, body, status, code] of cases) {
      const res = await d.json<ErrorBody>(method, path, body);
      expect({ name, status: res.status, code: res.body.error.code }).toEqual({ name, status, code });
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
    expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
    expect(frozen(pid)).toBe(false);
    expect((await d.events("storedOnly=true&after=0").all()).at(-1)!.data.seq).toBe(seqBefore);
    await d.signal(id, "SIGKILL");
  });

  test("the operations are in the OpenAPI document", async () => {
    const doc = (await d.json<{ paths: Record<string, Record<string, unknown>> }>("GET", "/swagger/json")).body;
    expect(Object.keys(doc.paths["/v1/containers/{id}"]!)).toEqual(expect.arrayContaining(["get", "patch", "delete"]));
    expect(doc.paths["/v1/containers/{id}/stats"]).toHaveProperty("get");
    expect(Object.keys(doc.paths["/v1/containers/{id}/checkpoints"]!)).toEqual(expect.arrayContaining(["get", "post"]));
    expect(doc.paths["/v1/containers/{id}/checkpoints/{name}"]).toHaveProperty("delete");
    // The bodies are there with their schemas, for Swagger UI's "Try it out".
    const patchBody = (doc.paths["/v1/containers/{id}"]!.patch as { requestBody: { content: Record<string, { schema: { properties: object } }> } });
    expect(Object.keys(patchBody.requestBody.content["application/json"]!.schema.properties)).toEqual(["status", "resources"]);
  });
});
