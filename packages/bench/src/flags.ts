/** The command line: `bun run bench <scenario|all|cleanup> [flags]`. */
import { parseArgs } from "node:util";
import { SYSTEMS, type SystemName } from "./result.ts";
import type { Flags } from "./scenario.ts";

export const USAGE = `usage: bun run bench <scenario|all|cleanup|report FILE...> [flags]

scenarios:
  start       N sleep containers at concurrency C: containers/s, latency         (N=100, C=10,50)
  lifecycle   C workers loop create → start → wait → delete of \`true\`           (10s, C=10)
  exit        kill → exit event: p50/p95/p99, by kill(2) and by the own kill     (N=30 samples a mode)
  restore     N running, SIGKILL the daemon, restart: time until all listed      (N=100)
  density     N idle containers: per-shim and daemon RSS/PSS/private memory      (N=100)
  api         GET /v1/containers with N containers under load: requests/s, p99  (N=100, 5s, 16 connections)
  logs        one container writing X MiB to captured stdout: MiB/s, bound held  (256 MiB, 16MiB files)
  all         every scenario above, in that order, with their defaults
  cleanup     remove what interrupted runs left (their work dirs under /tmp, processes, runc containers)
  report F..  markdown tables from result files, the runs side by side ("run1 / run2")

flags (each overrides the scenario's default):
  --n N                 containers (start, restore, density, api) or samples per mode (exit)
  --concurrency LIST    e.g. 10,50 (start); workers (lifecycle); connections (api)
  --duration DUR        e.g. 10s, 500ms (lifecycle, api)
  --rounds R            measurements per system, interleaved; figures are medians (default 2)
  --peers LIST          runc,containerd (default: those installed) or none
  --mib X               logs: MiB written (default 256)
  --log-max-size SIZE   logs: berthd's --log-max-size (default 16MiB)
  --client wrk|bun      api: load generator (default wrk when installed)
  --json PATH           result file (default .bench/<scenario>-<time>.json)
  --wait-quiet DUR      before each scenario, wait up to DUR until other work leaves the CPUs idle
  --quiet               no progress line`;

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)}: use e.g. 10s or 500ms`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? "s") as "s"]);
}

export function parseSize(s: string): number {
  const m = /^(\d+)(B|KiB|MiB|GiB)?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size ${JSON.stringify(s)}: use e.g. 16MiB`);
  return Number(m[1]) * { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b"];
}

function positive(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(s)}`);
  return n;
}

export function httpClient(asked: Flags["client"]): "wrk" | "bun" {
  return asked ?? (Bun.which("wrk") ? "wrk" : "bun");
}

export function parseFlags(argv: string[], installedPeers: SystemName[]): { command: string | undefined; files: string[]; flags: Flags } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      n: { type: "string" },
      concurrency: { type: "string", short: "c" },
      duration: { type: "string", short: "d" },
      rounds: { type: "string" },
      peers: { type: "string" },
      mib: { type: "string" },
      "log-max-size": { type: "string" },
      client: { type: "string" },
      json: { type: "string" },
      "wait-quiet": { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { command: "help", files: [], flags: { peers: [], quiet: true } };
  if (positionals.length > 1 && positionals[0] !== "report") throw new Error(`one scenario at a time (or all), not ${positionals.join(" ")}`);
  let peers = installedPeers;
  if (values.peers !== undefined) {
    const asked = values.peers === "none" ? [] : values.peers.split(",").map((p) => p.trim()).filter(Boolean);
    for (const p of asked) {
      if (!SYSTEMS.includes(p as SystemName) || p === "berth") throw new Error(`unknown peer ${p}: runc or containerd`);
      if (!installedPeers.includes(p as SystemName)) throw new Error(`peer ${p} is not installed here`);
    }
    peers = asked as SystemName[];
  }
  if (values.client !== undefined && values.client !== "wrk" && values.client !== "bun") throw new Error("--client is wrk or bun");
  if (values.client === "wrk" && !Bun.which("wrk")) throw new Error("wrk is not installed (apt-get install wrk), use --client bun");
  return {
    command: positionals[0],
    files: positionals.slice(1),
    flags: {
      ...(values.n !== undefined ? { n: positive("n", values.n) } : {}),
      ...(values.concurrency !== undefined ? { concurrency: values.concurrency.split(",").map((c) => positive("concurrency", c)) } : {}),
      ...(values.duration !== undefined ? { durationMs: parseDuration(values.duration) } : {}),
      ...(values.rounds !== undefined ? { rounds: positive("rounds", values.rounds) } : {}),
      ...(values.mib !== undefined ? { mib: positive("mib", values.mib) } : {}),
      ...(values["log-max-size"] !== undefined ? { logMaxSize: (parseSize(values["log-max-size"]), values["log-max-size"]) } : {}),
      ...(values.client !== undefined ? { client: values.client as "wrk" | "bun" } : {}),
      ...(values.json !== undefined ? { json: values.json } : {}),
      ...(values["wait-quiet"] !== undefined ? { waitQuietMs: parseDuration(values["wait-quiet"]) } : {}),
      peers,
      quiet: values.quiet ?? false,
    },
  };
}
