/**
 * bun run bench <scenario|all|cleanup|setup|report> [flags]: Berth's load tool and benchmarks against raw runc,
 * containerd and podman with conmon. Prints a live progress line, a table per scenario, and writes a JSON result
 * file (after each scenario, so an interrupted run keeps what it measured). Everything it starts lives under one
 * work dir, in cgroups named for the run and below the bench (a child subreaper), and is removed at the end, on an
 * error and on SIGINT/SIGTERM/SIGHUP; `bun run bench cleanup` removes what a killed run left.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cleanup, handleSignals, onCleanup, stopping } from "./cleanup.ts";
import { CpuAccounting } from "./cpu.ts";
import { parseFlags, USAGE } from "./flags.ts";
import { cpuBusy, hostInfo } from "./host.ts";
import { Progress, renderMarkdown, renderTable } from "./output.ts";
import type { ScenarioResult } from "./result.ts";
import { type Context, runScenario } from "./scenario.ts";
import { SCENARIOS } from "./scenarios/index.ts";
import { availablePeers } from "./targets/index.ts";
import { adoptOrphans, descendants, kill, processTable, reapOrphans } from "./procs.ts";
import { setup } from "./setup.ts";
import { Bundles, idPrefix, makeWorkDir, staleWorkDirs, sweepRun } from "./workdir.ts";

const REPO = resolve(import.meta.dir, "../../..");

interface Report {
  tool: "berth-bench";
  version: 1;
  command: string;
  argv: string[];
  startedAt: string;
  finishedAt?: string;
  /** The share of the CPUs other work kept busy right after the last scenario. */
  othersCpuAtEnd?: number;
  interrupted: boolean;
  host: Record<string, unknown>;
  workDir: string;
  scenarios: ScenarioResult[];
}

function writeReport(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(process.argv.slice(2), availablePeers());
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { command, flags } = parsed;
  if (!command || command === "help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === "report") {
    const files = parsed.files;
    if (files.length === 0) {
      console.error("bench: report needs result files: bun run bench report A.json [B.json ...]");
      return 2;
    }
    console.log(renderMarkdown(files.map((f) => (JSON.parse(readFileSync(f, "utf8")) as Report).scenarios)));
    return 0;
  }
  if (command === "setup") return setup();
  if (command === "cleanup") {
    const dirs = staleWorkDirs();
    let incomplete = 0;
    for (const dir of dirs) {
      const swept = await sweepRun(dir);
      console.log(`${dir}: ${swept.done.join("; ") || "removed"}`);
      if (swept.left.length) (incomplete++, console.error(`${dir}: could not remove ${swept.left.join(", ")}`));
    }
    console.log(`bench: ${dirs.length - incomplete} stale work dir(s) removed`);
    return incomplete ? 1 : 0;
  }
  const scenarios = command === "all" ? SCENARIOS : SCENARIOS.filter((s) => s.name === command);
  if (scenarios.length === 0) {
    console.error(`bench: unknown scenario ${command}\n\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    console.error("bench: runs containers, so it needs root");
    return 2;
  }

  handleSignals();
  adoptOrphans();
  const work = makeWorkDir();
  const leftBehind: string[] = [];
  onCleanup("work dir", async () => {
    const swept = await sweepRun(work);
    leftBehind.push(...swept.left, ...(await killDescendants()));
  });
  const progress = new Progress(flags.quiet);
  progress.note(`bench: work dir ${work}; peers: ${flags.peers.join(", ") || "none"}`);
  const stale = staleWorkDirs();
  if (stale.length) progress.note(`bench: ${stale.length} work dir(s) of earlier runs are left; \`bun run bench cleanup\` removes them`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const jsonPath = resolve(flags.json ?? join(REPO, ".bench", `${command}-${stamp}.json`));
  const report: Report = {
    tool: "berth-bench",
    version: 1,
    command,
    argv: process.argv.slice(2),
    startedAt: new Date().toISOString(),
    interrupted: false,
    host: await hostInfo(REPO),
    workDir: work,
    scenarios: [],
  };
  let counter = 0;
  const prefix = idPrefix(process.pid);
  const logDir = jsonPath.replace(/\.json$/, "") + ".logs";
  const cpu = await CpuAccounting.start(work);
  if (typeof cpu === "string") progress.note(`bench: ${cpu}`);
  else onCleanup("CPU accounting", () => cpu.close());
  const ctx: Context = {
    work, bundles: new Bundles(work), flags, progress, logDir, idPrefix: prefix, cpu, id: () => `${prefix}-${(++counter).toString(36)}`,
  };
  try {
    for (const scenario of scenarios) {
      if (stopping()) break;
      const result = await runScenario(scenario, ctx);
      report.scenarios.push(result);
      if (stopping()) break;
      console.log(`${renderTable(result)}\n`);
      writeReport(jsonPath, report);
    }
  } finally {
    progress.clear();
    report.interrupted = stopping();
    report.finishedAt = new Date().toISOString();
    report.othersCpuAtEnd = await cpuBusy();
    if (report.scenarios.length) writeReport(jsonPath, report);
    await cleanup();
  }
  console.log(`bench: results in ${jsonPath}, daemon logs in ${logDir}`);
  if (leftBehind.length) console.error(`bench: could not remove everything it started: ${leftBehind.join(", ")}`);
  return report.scenarios.some((s) => s.status === "failed") || leftBehind.length ? 1 : 0;
}

/**
 * The last resort at the end of a run: every process still below the bench (a subreaper, so nothing the systems
 * started escapes it) is killed and reaped; returns what there was, which is a leak to report.
 */
async function killDescendants(): Promise<string[]> {
  const found: string[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const table = processTable();
    const pids = descendants(process.pid, table).filter((pid) => table.get(pid)!.state !== "Z");
    if (pids.length === 0) break;
    for (const pid of pids) {
      if (pass === 0) found.push(`process ${pid} (${table.get(pid)!.comm})`);
      kill(pid);
    }
    await Bun.sleep(50);
    reapOrphans();
  }
  reapOrphans();
  return found;
}

process.exit(await main());
