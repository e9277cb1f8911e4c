/**
 * Smoke test of the load tool (packages/bench): every scenario with tiny sizes against Berth, raw runc and, when
 * installed, podman with conmon, checking that it runs, writes the JSON it promises (the CPU breakdown by process
 * kind included) and leaves nothing behind: no process, no runtime container, no cgroup, also when it is
 * interrupted or killed. It says nothing about how fast Berth is.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leftovers, type Metric, type ScenarioResult, sweepRun, type SystemName } from "@berth/bench";
import { REPO } from "./helpers/daemon.ts";

const out = mkdtempSync(join(tmpdir(), "bench-test-"));
const MAIN = join(REPO, "packages/bench/src/main.ts");

/** Every bench this file starts and the work dir it announced: killed and swept at the end whatever happened. */
const runs: { proc: Bun.Subprocess; workDir?: string }[] = [];
afterAll(async () => {
  for (const r of runs) {
    r.proc.kill("SIGKILL");
    await r.proc.exited;
    if (r.workDir) await sweepRun(r.workDir);
  }
  rmSync(out, { recursive: true, force: true });
});

function bench(args: string[]): { proc: Bun.Subprocess<"ignore", "pipe", "pipe">; workDir: Promise<string>; stderr: () => string } {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { cwd: REPO, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const run: (typeof runs)[number] = { proc };
  runs.push(run);
  let stderr = "";
  let announced: (dir: string) => void = () => {};
  const workDir = new Promise<string>((resolve) => (announced = resolve));
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      stderr += decoder.decode(chunk);
      const dir = /work dir (\S+);/.exec(stderr)?.[1];
      if (dir && !run.workDir) announced((run.workDir = dir));
    }
  })();
  return { proc, workDir, stderr: () => stderr };
}

/** Resolves to the run's work dir once it is making Berth containers (its progress line says so) and has made some. */
async function makingContainers(b: ReturnType<typeof bench>): Promise<string> {
  const workDir = await b.workDir;
  while (!/\| berth \d+\/200/.test(b.stderr())) {
    if (b.proc.exitCode !== null) throw new Error(`bench ended early: ${b.stderr()}`);
    await Bun.sleep(20);
  }
  await Bun.sleep(300);
  return workDir;
}

/** The run left nothing: by cgroup name (and the processes in such cgroups), by process, and its dir is gone. */
function expectNothingLeft(workDir: string): void {
  expect(workDir).toStartWith(join(tmpdir(), "berth-bench-"));
  expect(leftovers(workDir)).toEqual([]);
}

const metricOf = (r: ScenarioResult, key: string, section?: string): Metric => {
  const m = r.sections.filter((s) => section === undefined || s.title === section).flatMap((s) => s.metrics).find((x) => x.key === key);
  if (!m) throw new Error(`${r.scenario} has no metric ${key}${section ? ` in ${section}` : ""}: ${JSON.stringify(r.sections.map((s) => s.title))}`);
  return m;
};

const podman = ["podman", "conmon"].every((b) => Bun.which(b));
if (!podman) console.log("bench smoke test: podman or conmon is missing (bun run bench setup installs them), so the podman peer is not covered");

test("bench all, tiny: every scenario runs, with the CPU breakdown, writes its JSON and leaves nothing behind", async () => {
  const json = join(out, "all.json");
  const peers = podman ? "runc,podman" : "runc";
  const b = bench(["all", "--n", "2", "--concurrency", "2", "--duration", "1s", "--rounds", "1",
    "--mib", "8", "--log-max-size", "1MiB", "--peers", peers, "--client", "bun", "--quiet", "--json", json]);
  const [stdout, code] = await Promise.all([new Response(b.proc.stdout).text(), b.proc.exited]);
  if (code !== 0) console.error(stdout, b.stderr());
  expect(code).toBe(0);
  // A table per scenario.
  for (const name of ["start", "lifecycle", "exit", "restore", "density", "api", "logs"]) expect(stdout).toContain(`== ${name} (`);

  const report = JSON.parse(readFileSync(json, "utf8"));
  expect(report).toMatchObject({ tool: "berth-bench", version: 1, command: "all", interrupted: false });
  expect(report.host.cpus).toBeGreaterThan(0);
  const byName = new Map<string, ScenarioResult>(report.scenarios.map((s: ScenarioResult) => [s.scenario, s]));
  expect([...byName.keys()]).toEqual(["start", "lifecycle", "exit", "restore", "density", "api", "logs"]);
  for (const s of byName.values()) {
    expect(["ok", "skipped"]).toContain(s.status);
    expect(s.systems).toContain("berth");
    expect(s.sections.length).toBeGreaterThan(0);
    expect(typeof s.durationMs).toBe("number");
    for (const m of s.sections.flatMap((x) => x.metrics)) expect(Object.keys(m)).toEqual(expect.arrayContaining(["key", "label", "unit", "better", "values"]));
  }

  const peerList: SystemName[] = podman ? ["runc", "podman"] : ["runc"];
  const start = byName.get("start")!;
  expect(start.systems).toEqual(["berth", ...peerList]);
  for (const sys of ["berth", ...peerList] satisfies SystemName[]) expect(metricOf(start, "rate").values[sys]).toBeGreaterThan(0);
  expect(typeof metricOf(start, "rate").ratios?.runc).toBe("number");
  expect(metricOf(start, "p99").values.berth).toBeGreaterThan(0);
  expect(typeof metricOf(start, "errors").values.berth).toBe("number");

  // The CPU breakdown: each system's processes by kind, per container.
  for (const name of ["start", "lifecycle"]) {
    const s = byName.get(name)!;
    const cpu = "C=2 CPU/container";
    for (const key of ["cpu_daemon", "cpu_monitor", "cpu_runtime", "cpu_init"]) expect(metricOf(s, key, cpu).values.berth).toBeGreaterThan(0);
    expect(metricOf(s, "cpu_runtime", cpu).values.runc).toBeGreaterThan(0);
    expect(metricOf(s, "cpu_init", cpu).values.runc).toBeGreaterThan(0);
    // Raw runc has no daemon and no monitor: none is attributed to it.
    expect(metricOf(s, "cpu_daemon", cpu).values.runc ?? 0).toBe(0);
    expect(metricOf(s, "cpu_monitor", cpu).values.runc ?? 0).toBe(0);
    if (podman) {
      for (const key of ["cpu_monitor", "cpu_client", "cpu_runtime", "cpu_init"]) expect(metricOf(s, key, cpu).values.podman).toBeGreaterThan(0);
      expect(metricOf(s, "cpu_daemon", cpu).values.podman ?? 0).toBe(0);
    }
    const total = metricOf(s, "cpu_total", cpu).values;
    expect(total.berth!).toBeGreaterThan(metricOf(s, "cpu_monitor", cpu).values.berth!);
    const kinds = (s.detail as Record<string, Record<string, Record<string, number>[]>>)[`cpuByKind C=2`]!;
    expect(Object.keys(kinds.berth![0]!)).toEqual(expect.arrayContaining(["berthd", "berth-shim", "runc", "runc init"]));
    if (podman) expect(Object.keys(kinds.podman![0]!)).toEqual(expect.arrayContaining(["podman", "conmon", "runc", "runc init"]));
  }

  // Errors Berth had are reported (in the table and JSON), not judged here.
  for (const s of byName.values()) if (s.errors.length) console.warn(`bench ${s.scenario} reported: ${s.errors.join("; ")}`);
  const lifecycle = byName.get("lifecycle")!;
  for (const sys of ["berth", ...peerList] satisfies SystemName[]) expect(metricOf(lifecycle, "rate").values[sys]).toBeGreaterThan(0);
  expect(typeof metricOf(lifecycle, "errors").values.berth).toBe("number");

  const exit = byName.get("exit")!;
  for (const key of ["direct_p50", "direct_p99", "api_p50", "api_p99"]) expect(metricOf(exit, key).values.berth).toBeGreaterThan(0);
  if (podman) expect(metricOf(exit, "direct_p50").values.podman).toBeGreaterThan(0);
  expect(typeof metricOf(exit, "errors").values.berth).toBe("number");

  const restore = byName.get("restore")!;
  expect(metricOf(restore, "answered").values.berth).toBeGreaterThan(0);
  expect(metricOf(restore, "listed").values.runc).toBeGreaterThan(0);
  // Either berthd restores (a figure), or the scenario says it does not.
  if (restore.status === "skipped") expect(restore.reason).toContain("berthd does not restore yet");
  else expect(metricOf(restore, "listed").values.berth).toBeGreaterThan(0);

  const density = byName.get("density")!;
  expect(metricOf(density, "monitors").values.berth).toBe(2);
  expect(metricOf(density, "monitor_pss").values.berth).toBeGreaterThan(0);
  expect(metricOf(density, "daemon_rss").values.berth).toBeGreaterThan(0);
  expect(metricOf(density, "per_container_pss").values.runc).toBeGreaterThan(0);
  if (podman) {
    expect(metricOf(density, "monitors").values.podman).toBe(2);
    expect(metricOf(density, "monitor_pss").values.podman).toBeGreaterThan(0);
  }

  const api = byName.get("api")!;
  expect(metricOf(api, "rps").values.berth).toBeGreaterThan(0);
  expect(typeof metricOf(api, "failures").values.berth).toBe("number");

  const logs = byName.get("logs")!;
  expect(metricOf(logs, "mibps_running").values.berth).toBeGreaterThan(0);
  expect(metricOf(logs, "bound_held").values.berth).toBe(1);

  expectNothingLeft(report.workDir);
}, 300_000);

test("SIGINT in the middle of a run stops it and removes everything it started", async () => {
  const b = bench(["start", "--n", "200", "--concurrency", "4", "--rounds", "1", "--peers", "none", "--json", join(out, "int.json")]);
  const workDir = await makingContainers(b);
  b.proc.kill("SIGINT");
  expect(await b.proc.exited).toBe(130);
  expect(b.stderr()).toContain("SIGINT: stopping and cleaning up");
  expectNothingLeft(workDir);
}, 120_000);

test("a run SIGKILLed while it makes containers leaves what `bench cleanup` removes, to the last cgroup", async () => {
  const b = bench(["start", "--n", "200", "--concurrency", "4", "--rounds", "1", "--peers", "runc", "--json", join(out, "kill.json")]);
  const workDir = await makingContainers(b);
  b.proc.kill("SIGKILL");
  await b.proc.exited;
  // Killed, it cleaned nothing: its containers run on, in cgroups named for the run.
  expect(leftovers(workDir).some((l) => l.includes("pids"))).toBe(true);
  const cleanup = Bun.spawn([process.execPath, MAIN, "cleanup"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(cleanup.stdout).text(), new Response(cleanup.stderr).text(), cleanup.exited]);
  if (code !== 0) console.error(stdout, stderr);
  expect(code).toBe(0);
  // This run's dir is named, unless another suite's cleanup on this machine (a second copy of the tests) took it.
  expect(stdout.includes(workDir) || /stale work dir/.test(stdout)).toBe(true);
  expectNothingLeft(workDir);
}, 120_000);
