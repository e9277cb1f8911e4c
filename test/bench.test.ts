/**
 * Smoke test of the load tool (scripts/bench): every scenario with tiny sizes against Berth and raw runc, checking
 * that it runs, writes the JSON it promises and cleans up after itself, also when interrupted. It says nothing
 * about how fast Berth is.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metric, ScenarioResult } from "../scripts/bench/result.ts";
import { REPO } from "./helpers/daemon.ts";

const out = mkdtempSync(join(tmpdir(), "bench-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const MAIN = join(REPO, "scripts/bench/main.ts");

/** Processes whose command line names `dir`. */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(dir)) found.push(`${name}: ${cmdline}`);
    } catch {}
  }
  return found;
}

function expectCleanedUp(workDir: string): void {
  expect(workDir).toStartWith(join(tmpdir(), "berth-bench-"));
  expect(existsSync(workDir)).toBe(false);
  expect(processesNaming(workDir)).toEqual([]);
}

const metricOf = (r: ScenarioResult, key: string): Metric => {
  const m = r.sections.flatMap((s) => s.metrics).find((x) => x.key === key);
  if (!m) throw new Error(`${r.scenario} has no metric ${key}: ${JSON.stringify(r.sections)}`);
  return m;
};

test("bench all, tiny: every scenario runs against berth and runc, writes its JSON and leaves nothing behind", async () => {
  const json = join(out, "all.json");
  const proc = Bun.spawn([process.execPath, MAIN, "all", "--n", "2", "--concurrency", "2", "--duration", "1s", "--rounds", "1",
    "--mib", "8", "--log-max-size", "1MiB", "--peers", "runc", "--client", "bun", "--quiet", "--json", json], {
    cwd: REPO, stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) console.error(stdout, stderr);
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

  const start = byName.get("start")!;
  expect(start.systems).toEqual(["berth", "runc"]);
  expect(metricOf(start, "rate").values.berth).toBeGreaterThan(0);
  expect(metricOf(start, "rate").values.runc).toBeGreaterThan(0);
  expect(typeof metricOf(start, "rate").ratios?.runc).toBe("number");
  expect(metricOf(start, "p99").values.berth).toBeGreaterThan(0);
  expect(typeof metricOf(start, "errors").values.berth).toBe("number");

  // Errors Berth had are reported (in the table and JSON), not judged here.
  for (const s of byName.values()) if (s.errors.length) console.warn(`bench ${s.scenario} reported: ${s.errors.join("; ")}`);
  const lifecycle = byName.get("lifecycle")!;
  expect(metricOf(lifecycle, "rate").values.berth).toBeGreaterThan(0);
  expect(typeof metricOf(lifecycle, "errors").values.berth).toBe("number");

  const exit = byName.get("exit")!;
  for (const key of ["direct_p50", "direct_p99", "api_p50", "api_p99"]) expect(metricOf(exit, key).values.berth).toBeGreaterThan(0);
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

  const api = byName.get("api")!;
  expect(metricOf(api, "rps").values.berth).toBeGreaterThan(0);
  expect(typeof metricOf(api, "failures").values.berth).toBe("number");

  const logs = byName.get("logs")!;
  expect(metricOf(logs, "mibps_running").values.berth).toBeGreaterThan(0);
  expect(metricOf(logs, "bound_held").values.berth).toBe(1);

  expectCleanedUp(report.workDir);
}, 120_000);

test("SIGINT in the middle of a run stops it and removes everything it started", async () => {
  const proc = Bun.spawn([process.execPath, MAIN, "start", "--n", "200", "--concurrency", "4", "--rounds", "1", "--json", join(out, "int.json")], {
    cwd: REPO, stdout: "pipe", stderr: "pipe",
  });
  let stderr = "";
  let workDir = "";
  const decoder = new TextDecoder();
  const reader = proc.stderr.getReader();
  // Wait until containers are being made, then interrupt.
  while (!/\| berth \d+\/200/.test(stderr)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bench ended early: ${stderr}`);
    stderr += decoder.decode(value);
    workDir ||= /work dir (\S+);/.exec(stderr)?.[1] ?? "";
  }
  await Bun.sleep(300);
  proc.kill("SIGINT");
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr += decoder.decode(value);
    }
  })();
  expect(await proc.exited).toBe(130);
  expect(stderr).toContain("SIGINT: stopping and cleaning up");
  expectCleanedUp(workDir);
}, 60_000);
