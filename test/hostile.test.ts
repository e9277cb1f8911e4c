/**
 * Hostile input (issue 12), each case against a real berthd: oversized and deeply nested bodies, malformed
 * requests, bundles whose config.json would stall the daemon, stdio paths into berthd's own state, log readers
 * that stop reading, checkpoint dirs Berth did not make, and leftovers of refused execs. Every refusal is the
 * contract's JSON, comes at once, leaves /healthz answering and adds nothing to the state dir.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { makeFifo } from "@berth/sys";
import { bundle, uid } from "./helpers/bundles.ts";
import { Attach, type Daemon, useDaemon } from "./helpers/daemon.ts";
import { healthzMs, rawRequest, rssOf, stalledReader } from "./helpers/probe.ts";
import { fakeRuntime } from "./helpers/runtime.ts";

let d: Daemon;
// A log limit above the 19 MB the log readers' container writes: one file, read whole by each reader.
useDaemon((daemon) => (d = daemon), { args: ["--log-max-size", "32MiB"] });
const scratch = mkdtempSync(join(tmpdir(), "berth-hostile-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type ErrorBody = { error: { code: string; message: string } };
const MiB = 1 << 20;

/** Every path under berthd's state dir, to show that a refused request added nothing. */
function stateFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      out.push(relative(d.stateDir, path));
      if (e.isDirectory()) walk(path);
    }
  };
  walk(d.stateDir);
  return out.sort();
}

/** Sends a request and expects the contract's JSON error with `status` and `code`; returns its message. */
async function refused(method: string, path: string, body: BodyInit | undefined, status: number, code: string): Promise<string> {
  const res = await d.fetch(path, { method, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(20_000) });
  expect(res.headers.get("content-type") ?? "").toContain("application/json");
  const answer = (await res.json()) as ErrorBody;
  expect({ status: res.status, code: answer.error.code }).toEqual({ status, code });
  return answer.error.message;
}

describe("1. bodies are bounded in size and depth", () => {
  test("100,000 nested arrays are 400 invalid_argument at once, not a 500 after seconds", async () => {
    const started = performance.now();
    const message = await refused("POST", "/v1/containers", "[".repeat(100_000) + "]".repeat(100_000), 400, "invalid_argument");
    expect(message).toContain("deeper than 32 levels");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await healthzMs(d)).toBeLessThan(100);
  });

  test("a 100 MB id is 413 payload_too_large from its Content-Length, and berthd does not grow", async () => {
    const before = rssOf(d);
    const body = `{"id":"${"a".repeat(100 * MiB)}","bundlePath":"/x"}`;
    const message = await refused("POST", "/v1/containers", body, 413, "payload_too_large");
    expect(message).toContain("larger than 1048576 bytes");
    expect(rssOf(d) - before).toBeLessThan(64 * MiB);
  });

  test("a body sent without a Content-Length is cut off at the limit: 413 JSON, also at 130 MB", async () => {
    const before = rssOf(d);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 130 * MiB) return controller.close();
        sent += MiB;
        controller.enqueue(new Uint8Array(MiB).fill(0x20));
      },
    });
    await refused("POST", "/v1/containers", stream, 413, "payload_too_large");
    expect(sent).toBeLessThan(130 * MiB);
    expect(rssOf(d) - before).toBeLessThan(64 * MiB);
  });

  test("a long bundlePath is refused by the schema, and no message echoes more than a short prefix of the input", async () => {
    const long = `/${"x".repeat(500_000)}`;
    const schema = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: long }), 400, "invalid_argument");
    expect(schema.length).toBeLessThan(300);
    const missing = `/${"y".repeat(4000)}`;
    const bundleMessage = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: missing }), 400, "invalid_argument");
    expect(bundleMessage).toContain("does not exist");
    expect(bundleMessage.length).toBeLessThan(300);
    const key = "k".repeat(100_000);
    const extra = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: "/x", [key]: 1 }), 400, "invalid_argument");
    expect(extra.length).toBeLessThan(300);
  });

  test("a NUL byte in a path is 400 before any file is touched", async () => {
    const message = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: "/tmp/a\u0000b" }), 400, "invalid_argument");
    expect(message).toContain("bundlePath");
  });
});

describe("2. every answer on every listener is JSON", () => {
  test("Host: a b is 400 JSON on the unix socket and on TCP (with no token), never an HTML page with source lines", async () => {
    for (const via of ["unix", "tcp"] as const) {
      const res = await rawRequest(d, via, "GET /healthz HTTP/1.1\r\nHost: a b");
      expect({ via, status: res.status, type: res.headers["content-type"] }).toEqual({ via, status: 400, type: expect.stringContaining("application/json") });
      expect((JSON.parse(res.body) as ErrorBody).error.code).toBe("invalid_argument");
      expect(res.body).not.toContain(process.cwd());
    }
  });

  test("a request without a Host header (HTTP/1.0) is still served", async () => {
    const res = await rawRequest(d, "unix", "GET /healthz HTTP/1.0");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok" });
  });

  test("an unknown route, an unknown method and a body that is not JSON are JSON errors too", async () => {
    await refused("GET", "/nope", undefined, 404, "not_found");
    await refused("PUT", "/v1/containers", "{}", 404, "not_found");
    await refused("POST", "/v1/containers", "{", 400, "invalid_argument");
  });
});

test("an attach text frame is a small resize: a 4 MB one of nested arrays is refused unparsed", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const a = Attach.open(d, id, "init");
  await a.opened;
  a.ws.send("[".repeat(2 << 20) + "]".repeat(2 << 20));
  expect(await a.until("invalid_argument")).toContain("at most 1024 bytes");
  expect(await healthzMs(d)).toBeLessThan(100);
  a.ws.close();
  await d.signal(id, "SIGKILL");
});

describe("3. a bundle's config.json cannot stall the daemon", () => {
  test("a FIFO config.json is 400 at once, and /healthz answers all along", async () => {
    const dir = mkdtempSync(join(scratch, "fifo-bundle-"));
    makeFifo(join(dir, "config.json"));
    const started = performance.now();
    const message = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: dir }), 400, "invalid_argument");
    expect(message).toContain("config.json is a fifo, not a regular file");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await healthzMs(d)).toBeLessThan(100);
  });

  test("a config.json that is /dev/zero is 400 at once and costs no memory", async () => {
    const dir = mkdtempSync(join(scratch, "zero-bundle-"));
    symlinkSync("/dev/zero", join(dir, "config.json"));
    const before = rssOf(d);
    const message = await refused("POST", "/v1/containers", JSON.stringify({ id: uid(), bundlePath: dir }), 400, "invalid_argument");
    expect(message).toContain("is a character device");
    expect(rssOf(d) - before).toBeLessThan(32 * MiB);
  });
});

describe("4 and 7. stdio paths cannot reach berthd's own state; refused execs leave nothing", () => {
  test("an exec's stdout into the journal, the token or a symlink to them, or onto a device or a dir, is 400 and leaves no file", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]));
    const link = join(scratch, "token-link");
    symlinkSync(join(d.stateDir, "api-token"), link);
    const before = stateFiles();
    const cases: [Record<string, string>, string][] = [
      [{ stdout: join(d.stateDir, "events.jsonl") }, "state dir"],
      [{ stdout: join(d.stateDir, "api-token") }, "state dir"],
      [{ stderr: link }, "state dir"],
      [{ stdin: join(d.stateDir, "api-token") }, "state dir"],
      [{ stdout: join(d.stateDir, "containers", id, "new.log") }, "state dir"],
      [{ stdout: "/dev/zero" }, "character device"],
      [{ stdout: scratch }, "is a directory"],
    ];
    for (const [paths, reason] of cases) {
      const body = JSON.stringify({ pid: "p1", args: ["sh", "-c", "echo hi"], ...paths });
      expect(await refused("POST", `/v1/containers/${id}/processes`, body, 400, "invalid_argument")).toContain(reason);
    }
    expect(stateFiles()).toEqual(before);
    await d.signal(id, "SIGKILL");
  });

  test("an exec the runtime fails leaves no processes/<pid>.spec.json either", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]));
    const res = await d.json<ErrorBody>("POST", `/v1/containers/${id}/processes`, { pid: "nosuch", args: ["/no/such/binary"] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(readdirSync(join(d.stateDir, "containers", id, "processes"))).toEqual([]);
    await d.signal(id, "SIGKILL");
  });

  test("a create whose stdout leads into the state dir is 400 and leaves no container dir", async () => {
    const id = uid();
    const body = JSON.stringify({ id, bundlePath: bundle(["true"]), stdout: join(d.stateDir, "events.jsonl") });
    expect(await refused("POST", "/v1/containers", body, 400, "invalid_argument")).toContain("state dir");
    expect(existsSync(join(d.stateDir, "containers", id))).toBe(false);
  });

  test("a missing stdout file in an existing dir is created, a regular file", async () => {
    const id = uid();
    const out = join(mkdtempSync(join(scratch, "out-")), "new.log");
    const events = d.events(`id=${id}&after=0`);
    await d.create(id, bundle(["sh", "-c", "echo made"]), { stdout: out });
    await events.until((i) => i.data.type === "exit");
    events.close();
    expect(await Bun.file(out).text()).toBe("made\n");
  });
});

describe("5. log readers cost a bounded buffer", () => {
  test("40 readers that never read a 19 MB log do not grow berthd by the log's size each", async () => {
    const id = uid();
    await d.create(id, bundle(["sh", "-c", "head -c 19000000 /dev/zero | tr '\\0' x; echo; echo END-OF-LOG; exec sleep 1000"]));
    // Follow until the marker: the whole log is on disk then.
    const res = await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true&tail=0`);
    const reader = res.body!.getReader();
    for (let seen = ""; !seen.includes("END-OF-LOG"); ) seen = (seen + new TextDecoder().decode((await reader.read()).value)).slice(-64);
    await reader.cancel();
    const before = rssOf(d);
    const readers = Array.from({ length: 40 }, () => stalledReader(d, `/v1/containers/${id}/processes/init/logs`));
    await Promise.all(readers.map((r) => r.ready));
    expect(await healthzMs(d)).toBeLessThan(100);
    const grown = rssOf(d) - before;
    for (const r of readers) r.close();
    // Reading the log up front cost 40 × 19 MB; a bounded reader costs its block and the socket's buffers.
    expect(grown).toBeLessThan(120 * MiB);
    await d.signal(id, "SIGKILL");
  });
});

describe("6. checkpoint dirs", () => {
  // checkpoint fails the way runc does when CRIU fails.
  const runtime = fakeRuntime(`  checkpoint)
    printf '{"level":"error","msg":"criu failed: type DUMP errno 0"}\\n' >> "$log"
    exit 1 ;;`);
  afterAll(() => runtime.remove());

  test("a failed create removes every dir it made, and only those", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
    const base = mkdtempSync(join(scratch, "cp-"));
    const res = await d.json<ErrorBody>("POST", `/v1/containers/${id}/checkpoints`, { name: "one", checkpointDir: join(base, "a", "b", "c") });
    expect(res.body.error.code).toBe("runtime_error");
    expect(readdirSync(base)).toEqual([]);
    await d.signal(id, "SIGKILL");
  });

  test("a checkpointDir that is a file, or inside the state dir, is 400", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
    const q = (dir: string) => `checkpointDir=${encodeURIComponent(dir)}`;
    await refused("GET", `/v1/containers/${id}/checkpoints?${q("/etc/passwd")}`, undefined, 400, "invalid_argument");
    await refused("DELETE", `/v1/containers/${id}/checkpoints/x?${q("/etc/passwd")}`, undefined, 400, "invalid_argument");
    const inState = JSON.stringify({ name: "one", checkpointDir: join(d.stateDir, "cps") });
    await refused("POST", `/v1/containers/${id}/checkpoints`, inState, 400, "invalid_argument");
    expect(existsSync(join(d.stateDir, "cps"))).toBe(false);
    await refused("GET", `/v1/containers/${uid()}/checkpoints?${q(scratch)}`, undefined, 404, "not_found");
    await d.signal(id, "SIGKILL");
  });

  test("delete never removes a directory Berth did not make, even one that looks like a checkpoint", async () => {
    const id = uid();
    await d.create(id, bundle(["sleep", "1000"]), { runtime: runtime.path });
    const dir = mkdtempSync(join(scratch, "foreign-"));
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "config.json"), JSON.stringify({ name: "data", created: "2026-01-01T00:00:00Z" }));
    writeFileSync(join(dir, "data", "precious"), "keep me");
    const q = `checkpointDir=${encodeURIComponent(dir)}`;
    expect((await d.json(`GET`, `/v1/containers/${id}/checkpoints?${q}`)).body).toEqual([]);
    await refused("DELETE", `/v1/containers/${id}/checkpoints/data?${q}`, undefined, 404, "not_found");
    expect(existsSync(join(dir, "data", "precious"))).toBe(true);
    await d.signal(id, "SIGKILL");
  });
});
