/**
 * Daemon ergonomics: Prometheus metrics that move and that promtool finds clean, the SIGUSR1 dump, structured logs
 * and --log-level.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle, uid } from "./helpers/bundles.ts";
import { Daemon, useDaemon, REPO, removeContainers } from "./helpers/daemon.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon), { args: ["--log-level", "debug", "--metrics-per-container"] });

/** Sample values of a metric family from the text exposition, by label set. */
async function scrape(name: string): Promise<Map<string, number>> {
  const text = await (await d.fetch("/metrics")).text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m) values.set(m[1] ?? "", Number(m[2]));
  }
  return values;
}

test("/metrics is Prometheus text, and the numbers move with what berthd does", async () => {
  const res = await d.fetch("/metrics");
  expect(res.headers.get("content-type")).toContain("text/plain");
  const before = await scrape("berth_operation_duration_seconds_count");
  const events = d.events("after=0");
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "e", args: ["true"] })).status).toBe(201);
  expect((await scrape("berth_containers")).get('{status="running"}')).toBe(1);
  expect((await scrape("berth_shims")).get("")).toBe(1);
  expect((await scrape("berth_event_subscribers")).get("")).toBeGreaterThanOrEqual(1);
  // The container operations are timed too, and --metrics-per-container exports its usage.
  for (const status of ["paused", "running"]) expect((await d.json("PATCH", `/v1/containers/${id}`, { status })).status).toBe(200);
  expect((await d.json("GET", `/v1/containers/${id}/stats`)).status).toBe(200);
  expect((await scrape("berth_container_pids")).get(`{container_id="${id}"}`)).toBe(1);
  expect((await scrape("berth_container_memory_bytes")).get(`{container_id="${id}"}`)).toBeGreaterThan(0);
  expect((await scrape("berth_container_cpu_seconds_total")).get(`{container_id="${id}"}`)).toBeGreaterThanOrEqual(0);
  await d.signal(id, "SIGKILL");
  await events.until((i) => i.data.type === "exit" && i.data.pid === "init");
  events.close();

  const after = await scrape("berth_operation_duration_seconds_count");
  for (const op of ["create", "start", "exec", "pause", "resume", "stats"]) {
    expect((after.get(`{operation="${op}"}`) ?? 0) - (before.get(`{operation="${op}"}`) ?? 0)).toBe(1);
  }
  expect((await scrape("berth_exit_to_event_seconds_count")).get("")).toBeGreaterThanOrEqual(2);
  expect((await scrape("berth_events_written_total")).get("")).toBeGreaterThanOrEqual(4);
  expect((await scrape("berth_journal_bytes")).get("")).toBeGreaterThan(4 * 60);
  expect((await scrape("berth_containers")).get('{status="running"}')).toBe(0);
  const requests = await scrape("berth_api_requests_total");
  expect(requests.get('{method="POST",route="/v1/containers",status="201"}')).toBeGreaterThanOrEqual(1);
  expect((await scrape("berth_process_resident_memory_bytes")).get("")).toBeGreaterThan(1 << 20);
  expect((await scrape("berth_process_open_fds")).get("")).toBeGreaterThan(0);
  // A failing runtime call counts as a runtime error of its operation.
  const failed = await d.json("POST", "/v1/containers", { id: uid(), bundlePath: bundle(["NoSuchFile"]) });
  expect(failed.status).toBe(500);
  expect((await scrape("berth_runtime_errors_total")).get('{operation="start"}')).toBe(1);
});

/** promtool from Debian's prometheus package: scripts/test.sh puts it in dist/tools; one on PATH does too. */
const PROMTOOL = [join(REPO, "dist/tools/promtool"), Bun.which("promtool")].find((p) => p && existsSync(p));
if (!PROMTOOL) console.log("daemon.test.ts: promtool check skipped: no promtool (bash scripts/test.sh extracts it from Debian's prometheus package)");

test.skipIf(!PROMTOOL)("/metrics passes promtool check metrics: one prefix, counters for what only grows, build info", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "e", args: ["true"] })).status).toBe(201);
  const text = await (await d.fetch("/metrics")).text();
  const check = Bun.spawn([PROMTOOL!, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([check.exited, new Response(check.stdout).text(), new Response(check.stderr).text()]);
  expect({ code, problems: out + err }).toEqual({ code: 0, problems: "" });
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
  expect(families.filter((f) => !f.name.startsWith("berth_"))).toEqual([]);
  expect(families.filter((f) => f.name.endsWith("_total") && f.type !== "counter")).toEqual([]);
  expect(families.map((f) => f.name)).not.toContain("berth_nodejs_version_info");
  expect(families).toContainEqual({ name: "berth_container_cpu_seconds_total", type: "counter" });
  const build = new RegExp(`^berth_build_info\\{version="\\d+\\.\\d+\\.\\d+",revision="\\S+",runtime="runc",bun="${Bun.version.replace(/\./g, "\\.")}"\\} 1$`, "m");
  expect(text).toMatch(build);
  await d.signal(id, "SIGKILL");
});

test("SIGUSR1 writes a diagnostic dump of the registry; logs are JSON lines naming the container", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const dumpFile = join(d.stateDir, "diagnostics.json");
  d.proc.kill("SIGUSR1");
  while (!existsSync(dumpFile)) await Bun.sleep(5); // the dump is a file berthd writes on the signal
  const dump = JSON.parse(readFileSync(dumpFile, "utf8")) as { containers: { id: string; state: string; shimPid: number }[] };
  expect(dump.containers.find((c) => c.id === id)).toMatchObject({ id, state: "running" });
  // berthd's stderr reaches us asynchronously: wait for the dump's log line too.
  for (const deadline = Date.now() + 5000; !d.log.includes('"diagnostic dump"') && Date.now() < deadline; ) await Bun.sleep(10);
  const lines = d.log.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; msg: string; container?: string });
  expect(lines.find((l) => l.msg === "container started" && l.container === id)).toBeDefined();
  expect(lines.some((l) => l.msg === "diagnostic dump")).toBe(true);
  await d.signal(id, "SIGKILL");
});

test("--log-level warn keeps info lines out; a bad level is a usage error", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "bt-"));
  const socket = join(stateDir, "berth.sock");
  const proc = Bun.spawn([process.execPath, join(REPO, "packages/berthd/src/main.ts"), "--state-dir", stateDir,
    "--listen", `unix://${socket}`, "--log-level", "warn"], { stdout: "ignore", stderr: "pipe" });
  try {
    // Nothing is logged at info, so wait for the socket itself.
    while (!(await fetch("http://localhost/healthz", { unix: socket } as RequestInit).then((r) => r.ok, () => false))) await Bun.sleep(10);
    const id = uid();
    const res = await fetch("http://localhost/v1/containers", { unix: socket, method: "POST", body: JSON.stringify({ id, bundlePath: bundle(["true"]) }) } as RequestInit);
    expect(res.status).toBe(201);
  } finally {
    proc.kill();
    await proc.exited;
    await removeContainers(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
  expect(await new Response(proc.stderr).text()).not.toContain('"level":"info"');
  const bad = Bun.spawnSync([process.execPath, join(REPO, "packages/berthd/src/main.ts"), "--log-level", "loud"]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.toString()).toContain("--log-level must be debug, info, warn or error");
});

test("--stop-containers-on-exit: SIGTERM stops every container (SIGTERM, then SIGKILL after --stop-timeout), each exit reported once, then berthd exits", async () => {
  const own = await Daemon.start({ args: ["--stop-containers-on-exit", "--stop-timeout", "1s"] });
  try {
    const polite = uid("polite");
    const stubborn = uid("stubborn");
    // A container's PID 1 has no default action for SIGTERM: the polite one traps it and exits 0.
    await own.create(polite, bundle(["sh", "-c", "trap 'exit 0' TERM; echo trapping; while :; do sleep 0.05; done"]));
    const reader = (await own.fetch(`/v1/containers/${polite}/processes/init/logs?follow=true`)).body!.getReader();
    for (let seen = ""; !seen.includes("trapping"); ) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    // PID 1 of its pid namespace with no handler: SIGTERM does nothing to it, only the SIGKILL after the timeout.
    await own.create(stubborn, bundle(["sleep", "1000"]));
    const seq = (await own.events("storedOnly=true&after=0").all()).at(-1)!.data.seq;
    await own.kill("SIGTERM");
    expect(own.proc.exitCode).toBe(0);
    // The exits were journaled before berthd exited: a restart replays them, once each.
    await own.launch();
    const exits = (await own.events(`storedOnly=true&after=${seq}`).all()).filter((i) => i.data.type === "exit");
    expect(exits.map((i) => [i.data.id, i.data.status]).sort()).toEqual([[polite, 0], [stubborn, 137]].sort());
  } finally {
    await own.cleanup();
  }
});

test("the bundle setup builds (dist/berthd.js) is the same berthd: version, a container's life, Swagger UI, the dashboard", async () => {
  const own = await Daemon.start({ entry: join(REPO, "dist/berthd.js") });
  try {
    const revision = Bun.spawnSync(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.toString().trim();
    expect((await own.json<{ revision: string }>("GET", "/v1/version")).body.revision).toBe(revision);
    const id = uid("bundled");
    const events = own.events(`id=${id}`);
    await events.ready;
    expect((await own.create(id, bundle(["sh", "-c", "exit 3"]))).status).toBe("running");
    expect((await events.until((i) => i.data.type === "exit")).at(-1)!.data).toMatchObject({ id, pid: "init", status: 3 });
    events.close();
    // The paths it finds from its own place in dist/ (InstallLayout): swagger-ui-dist's assets and dist/ui.
    expect((await own.fetch("/swagger/assets/swagger-ui-bundle.js")).status).toBe(200);
    expect(await (await own.fetch("/ui/")).text()).toContain("/ui/");
  } finally {
    await own.cleanup();
  }
});
