import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BerthError } from "@berth/protocol";
import { RuntimeError } from "./errors.ts";
import { render, Runc } from "./runc.ts";

const dir = mkdtempSync("/tmp/berth-runc-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fakes = 0;
/**
 * A fake runtime: records its argv (one per line) in `<script>.argv`, finds the file after `--log` in $log, then
 * runs `body`.
 */
function fake(body: string): { binary: string; argv: () => string[] } {
  const binary = join(dir, `fake-${++fakes}`);
  writeFileSync(binary, `#!/bin/sh
printf '%s\\n' "$@" > "$0.argv"
log=; prev=
for a in "$@"; do [ "$prev" = --log ] && log=$a; prev=$a; done
${body}
`, { mode: 0o755 });
  return { binary, argv: () => readFileSync(`${binary}.argv`, "utf8").split("\n").slice(0, -1) };
}

/** A body that writes runc-style JSON log lines (an info line, then an error) and exits 1. */
function failing(msg: string): string {
  const lines = [
    { level: "info", msg: "reading config", time: "2026-11-28T20:00:00Z" },
    { level: "error", msg, time: "2026-11-28T20:00:00Z" },
  ].map((l) => `'${JSON.stringify(l)}'`);
  return `printf '%s\\n' ${lines.join(" ")} >> "$log"; exit 1`;
}

function runc(binary: string, extra: { globalArgs?: string[]; timeoutMs?: number } = {}): Runc {
  return new Runc({ binary, globalArgs: extra.globalArgs ?? [], logDir: mkdtempSync(join(dir, "logs-")), timeoutMs: extra.timeoutMs ?? 10_000 });
}

async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(() => {
    throw new Error("expected a rejection");
  }, (err) => err);
}

describe("render", () => {
  // One named row per subcommand and flag combination: the argv runc gets, pinned.
  const rows: [name: string, argv: string[], expected: string[]][] = [
    ["run", render.run("c1", { bundle: "/b", pidFile: "/p" }), ["run", "--detach", "--bundle", "/b", "--pid-file", "/p", "c1"]],
    ["run --no-pivot --console-socket", render.run("c1", { bundle: "/b", pidFile: "/p", noPivot: true, consoleSocket: "/s" }),
      ["run", "--detach", "--bundle", "/b", "--pid-file", "/p", "--no-pivot", "--console-socket", "/s", "c1"]],
    ["exec", render.exec("c1", { process: "/proc.json", pidFile: "/p" }), ["exec", "--detach", "--process", "/proc.json", "--pid-file", "/p", "c1"]],
    ["exec --console-socket", render.exec("c1", { process: "/proc.json", pidFile: "/p", consoleSocket: "/s" }),
      ["exec", "--detach", "--process", "/proc.json", "--pid-file", "/p", "--console-socket", "/s", "c1"]],
    ["kill", render.kill("c1", 15), ["kill", "c1", "15"]],
    ["kill --all", render.kill("c1", 9, { all: true }), ["kill", "--all", "c1", "9"]],
    ["delete", render.delete("c1"), ["delete", "c1"]],
    ["delete --force", render.delete("c1", { force: true }), ["delete", "--force", "c1"]],
    ["state", render.state("c1"), ["state", "c1"]],
    ["ps", render.ps("c1"), ["ps", "--format", "json", "c1"]],
    ["pause", render.pause("c1"), ["pause", "c1"]],
    ["resume", render.resume("c1"), ["resume", "c1"]],
    ["update", render.update("c1"), ["update", "--resources", "-", "c1"]],
    ["checkpoint", render.checkpoint("c1", { imagePath: "/i", workPath: "/w" }), ["checkpoint", "--image-path", "/i", "--work-path", "/w", "c1"]],
    ["checkpoint with every option", render.checkpoint("c1", {
      imagePath: "/i", workPath: "/w", leaveRunning: true, tcp: true, unixSockets: true, shell: true, emptyNamespaces: ["network", "ipc"],
    }), ["checkpoint", "--image-path", "/i", "--work-path", "/w", "--tcp-established", "--ext-unix-sk", "--shell-job",
      "--empty-ns", "network", "--empty-ns", "ipc", "--leave-running", "c1"]],
    ["restore", render.restore("c1", { bundle: "/b", pidFile: "/p", imagePath: "/i", workPath: "/w" }),
      ["restore", "--detach", "--bundle", "/b", "--pid-file", "/p", "--image-path", "/i", "--work-path", "/w", "c1"]],
    ["restore --no-pivot with CRIU options", render.restore("c1", {
      bundle: "/b", pidFile: "/p", noPivot: true, imagePath: "/i", workPath: "/w", tcp: true, shell: true, emptyNamespaces: ["network"],
    }), ["restore", "--detach", "--bundle", "/b", "--pid-file", "/p", "--no-pivot", "--image-path", "/i", "--work-path", "/w",
      "--tcp-established", "--shell-job", "--empty-ns", "network", "c1"]],
  ];
  for (const [name, argv, expected] of rows) test(name, () => expect(argv).toEqual(expected));

  test("every subcommand in render has a row above", () => {
    const covered = new Set(rows.map(([, argv]) => argv[0]));
    expect(Object.keys(render).filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe("Runc with a fake runtime", () => {
  test("the argv is binary, --log <file> --log-format json, the global args, then the subcommand", async () => {
    const f = fake(`exit 0`);
    const r = new Runc({ binary: f.binary, globalArgs: ["--root", "/run/x", "--systemd-cgroup"], logDir: join(dir, "argv-logs"), timeoutMs: 10_000 });
    await r.kill("c1", 9, { all: true });
    const argv = f.argv();
    expect(argv[0]).toBe("--log");
    expect(argv[1]).toMatch(new RegExp(`^${join(dir, "argv-logs")}/kill-${process.pid}-\\d+\\.log$`));
    expect(argv.slice(2)).toEqual(["--log-format", "json", "--root", "/run/x", "--systemd-cgroup", "kill", "--all", "c1", "9"]);
    expect(r.argv("/l", ["start", "c1"])).toEqual([f.binary, "--log", "/l", "--log-format", "json", "--root", "/run/x", "--systemd-cgroup", "start", "c1"]);
  });

  test("a successful call removes its log file", async () => {
    const f = fake(`printf '%s\\n' '{"level":"info","msg":"ok"}' >> "$log"; exit 0`);
    const r = new Runc({ binary: f.binary, globalArgs: [], logDir: join(dir, "ok-logs"), timeoutMs: 10_000 });
    await r.pause("c1");
    expect(existsSync(f.argv()[1]!)).toBe(false);
    expect(readdirSync(join(dir, "ok-logs"))).toEqual([]);
  });

  const classified: [msg: string, code: string][] = [
    ["container does not exist", "not_found"],
    ["container not running", "failed_precondition"],
    ["unable to start container process: exec: \"nope\": executable file not found in $PATH", "runtime_error"],
  ];
  for (const [msg, code] of classified) {
    test(`a failure logging "${msg}" is a RuntimeError with runc's text and code ${code}`, async () => {
      const f = fake(failing(msg));
      const err = await rejection(runc(f.binary).kill("c1", 15));
      expect(err).toBeInstanceOf(RuntimeError);
      expect(err.code).toBe(code);
      expect(err.runtimeMessage).toBe(msg);
      expect(err.message).toEndWith(msg);
      expect(err.op).toBe("kill");
      expect(err.exitStatus).toBe(1);
      expect(err.argv).toEqual([f.binary, ...f.argv()]);
    });
  }

  test("a failure that logs nothing reports the exit status", async () => {
    const f = fake(`exit 2`);
    const err = await rejection(runc(f.binary).delete("c1", { force: true }));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ op: "delete", exitStatus: 2, runtimeMessage: "exit status 2", code: "runtime_error" });
    expect(f.argv().slice(4)).toEqual(["delete", "--force", "c1"]);
  });

  test("a runtime that hangs is killed at the bound and reported as a timeout", async () => {
    const f = fake(`echo $$ > "$0.pid"; exec sleep 1000`);
    const started = Date.now();
    const err = await rejection(runc(f.binary, { timeoutMs: 50 }).resume("c1"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe("timeout");
    expect(err.message).toContain("resume");
    const pid = Number(readFileSync(`${f.binary}.pid`, "utf8"));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  test("a binary that does not exist is a RuntimeError naming it", async () => {
    const missing = join(dir, "no-such-runtime");
    const err = await rejection(runc(missing).state("c1"));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ op: "state", exitStatus: -1, code: "runtime_error" });
    expect(err.message).toContain(missing);
  });

  test("state parses the runtime's stdout JSON, and ps a list or null", async () => {
    const state = { ociVersion: "1.0.2", id: "c1", pid: 4242, status: "running", bundle: "/b", rootfs: "/b/rootfs" };
    const s = fake(`printf '%s\\n' '${JSON.stringify(state)}'`);
    expect(await runc(s.binary).state("c1")).toEqual(state);
    expect(s.argv().slice(4)).toEqual(["state", "c1"]);
    expect(await runc(fake(`echo '[1,22,333]'`).binary).ps("c1")).toEqual([1, 22, 333]);
    expect(await runc(fake(`echo null`).binary).ps("c1")).toEqual([]);
  });

  test("update sends the resources to the runtime's stdin as JSON", async () => {
    const f = fake(`cat > "$0.stdin"`);
    const resources = { memory: { limit: 64 << 20 }, pids: { limit: 100 } };
    await runc(f.binary).update("c1", resources);
    expect(JSON.parse(readFileSync(`${f.binary}.stdin`, "utf8"))).toEqual(resources);
    expect(f.argv().slice(4)).toEqual(["update", "--resources", "-", "c1"]);
  });

  test("a failed checkpoint carries CRIU's error lines from the work dir instead of runc's pointer to them", async () => {
    const workPath = mkdtempSync(join(dir, "criu-"));
    writeFileSync(join(workPath, "dump.log"), [
      "(00.000100) Version: 3.17.1",
      "(00.001000) Error (criu/cr-dump.c:1234): Can't dump a task",
      "(00.002000) Error (criu/cr-dump.c:2000): Dumping FAILED.",
      "",
    ].join("\n"));
    const f = fake(failing("criu failed: type DUMP errno 0"));
    const err = await rejection(runc(f.binary).checkpoint("c1", { imagePath: join(workPath, "img"), workPath }));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.runtimeMessage).toBe("criu failed: type DUMP errno 0: Error (criu/cr-dump.c:1234): Can't dump a task; Error (criu/cr-dump.c:2000): Dumping FAILED.");
    expect(err.op).toBe("checkpoint");
    // Without a CRIU log, runc's own words stay.
    const bare = await rejection(runc(f.binary).checkpoint("c1", { imagePath: "/img", workPath: join(dir, "no-work") }));
    expect(bare.runtimeMessage).toBe("criu failed: type DUMP errno 0");
  });

  test("run hands back the pipes it was asked for, and none it was not", async () => {
    const f = fake(`echo out; echo err >&2`);
    const r = runc(f.binary);
    const pipes = await r.run("c1", { bundle: "/b", pidFile: "/p", stdio: ["ignore", "pipe", "pipe"] });
    expect(await new Response(pipes.stdout).text()).toBe("out\n");
    expect(await new Response(pipes.stderr).text()).toBe("err\n");
    expect(await r.run("c2", { bundle: "/b", pidFile: "/p", stdio: ["ignore", "ignore", "ignore"] })).toEqual({});
    expect(f.argv().slice(4)).toEqual(["run", "--detach", "--bundle", "/b", "--pid-file", "/p", "c2"]);
  });

  test("restore hands back the pipes it was asked for", async () => {
    const f = fake(`echo restored`);
    const pipes = await runc(f.binary).restore("c1", { bundle: "/b", pidFile: "/p", imagePath: "/i", workPath: "/w", stdio: ["ignore", "pipe", "ignore"] });
    expect(await new Response(pipes.stdout).text()).toBe("restored\n");
    expect(pipes.stderr).toBeUndefined();
  });
});

describe("Runc with the real runc", () => {
  test("kill of a container that does not exist is not_found with runc's words", async () => {
    const root = mkdtempSync(join(dir, "root-"));
    const r = new Runc({ binary: "runc", globalArgs: ["--root", root], logDir: join(root, "logs"), timeoutMs: 10_000 });
    const err = await rejection(r.kill(`berth-missing-${process.pid}`, 9));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe("not_found");
    expect(err.runtimeMessage).toBe("container does not exist");
  });
});
