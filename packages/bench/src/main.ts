/**
 * bun run bench <scenario|all|cleanup> [flags]: Berth's load tool and benchmarks against raw runc and containerd.
 * Prints a live progress line, a table per scenario, and writes a JSON result file (after each scenario, so an
 * interrupted run keeps what it measured). Everything it starts lives under one work dir and is removed at the end,
 * on an error and on SIGINT/SIGTERM; `bun run bench cleanup` removes what a killed run left.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cleanup, handleSignals, onCleanup, stopping } from "./cleanup.ts";
import { parseFlags, USAGE } from "./flags.ts";
import { cpuBusy, hostInfo } from "./host.ts";
import { Progress, renderMarkdown, renderTable } from "./output.ts";
import type { ScenarioResult } from "./result.ts";
import { type Context, runScenario } from "./scenario.ts";
import { SCENARIOS } from "./scenarios/index.ts";
import { availablePeers } from "./targets/index.ts";
import { Bundles, makeWorkDir, staleWorkDirs, sweep } from "./workdir.ts";

const REPO = resolve(import.meta.dir, "../..");

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
  if (command === "cleanup") {
    const dirs = staleWorkDirs();
    for (const dir of dirs) console.log(`${dir}: ${(await sweep(dir)).join("; ") || "removed"}`);
    console.log(`bench: ${dirs.length} stale work dir(s) removed`);
    return 0;
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
  const work = makeWorkDir();
  onCleanup("work dir", async () => void (await sweep(work)));
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
  // Unique across concurrent runs too: without a cgroupsPath in the spec, runc names the cgroup after the id.
  const prefix = `b${process.pid.toString(36)}`;
  const logDir = jsonPath.replace(/\.json$/, "") + ".logs";
  const ctx: Context = { work, bundles: new Bundles(work), flags, progress, logDir, id: () => `${prefix}-${(++counter).toString(36)}` };
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
  return report.scenarios.some((s) => s.status === "failed") ? 1 : 0;
}

process.exit(await main());
