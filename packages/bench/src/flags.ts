/**
 * The command line: `bun run bench <scenario|all|cleanup|setup|report> [flags]`, parsed with the CLI's option specs
 * (packages/cli args.ts) and units (sizes and durations as `berth` reads them). Errors are UsageError (exit 2).
 */
import { type OptionSpecs, optionsHelp, parse, parseDuration, parseSize, UsageError } from "@berth/cli";
import { PEERS, type SystemName } from "./result.ts";
import type { Flags } from "./scenario.ts";

/** Rounds when --rounds is not given. */
const DEFAULT_ROUNDS = 2;

const OPTIONS = {
  n: { type: "string", arg: "N", help: "containers (start, restore, density, api) or samples per mode (exit)" },
  concurrency: { type: "string", short: "c", arg: "LIST", help: "e.g. 10,50 (start); workers (lifecycle); connections (api)" },
  duration: { type: "string", short: "d", arg: "DUR", help: "e.g. 10s, 500ms (lifecycle, api)" },
  rounds: { type: "string", arg: "R", help: `measurements per system, interleaved; figures are medians (default ${DEFAULT_ROUNDS})` },
  peers: { type: "string", arg: "LIST", help: `${PEERS.join(",")} (default: those installed) or none` },
  mib: { type: "string", arg: "X", help: "logs: MiB written (default 256)" },
  "log-max-size": { type: "string", arg: "SIZE", help: "logs: berthd's --log-max-size (default 16MiB)" },
  client: { type: "string", arg: "wrk|bun", help: "api: load generator (default wrk when installed)" },
  json: { type: "string", arg: "PATH", help: "result file (default .bench/<scenario>-<time>.json)" },
  "wait-quiet": { type: "string", arg: "DUR", help: "before each scenario, wait up to DUR until other work leaves the CPUs idle" },
  quiet: { type: "boolean", short: "q", help: "no progress line" },
  help: { type: "boolean", short: "h", help: "this text" },
} satisfies OptionSpecs;

export const USAGE = `usage: bun run bench <scenario|all|cleanup|setup|report FILE...> [flags]

scenarios:
  start       N sleep containers at concurrency C: containers/s, latency, CPU per container by process kind (N=100, C=10,50)
  lifecycle   C workers loop create → start → wait → delete of \`true\`, CPU by process kind          (10s, C=10)
  exit        kill → exit event: p50/p95/p99, by kill(2) and by the own kill     (N=30 samples a mode)
  restore     N running, SIGKILL the daemon, restart: time until all listed      (N=100)
  density     N idle containers: per-monitor and daemon RSS/PSS/private memory   (N=100)
  api         GET /v1/containers with N containers under load: requests/s, p99  (N=100, 5s, 16 connections)
  logs        one container writing X MiB to captured stdout: MiB/s, bound held  (256 MiB, 16MiB files)
  all         every scenario above, in that order, with their defaults
  cleanup     remove what interrupted runs left (work dirs under /tmp, processes, runtime containers, cgroups)
  setup       install the missing peers and wrk from Debian's packages (containerd, podman, conmon, wrk)
  report F..  markdown tables from result files, the runs side by side ("run1 / run2")

flags (each overrides the scenario's default):
${optionsHelp(OPTIONS)}`;

function positive(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(s)}`);
  return n;
}

/** The HTTP load generator of the api scenario: as asked, else wrk when installed. */
export function httpClient(asked: Flags["client"]): "wrk" | "bun" {
  return asked ?? (Bun.which("wrk") ? "wrk" : "bun");
}

export interface Command {
  command: string | undefined;
  /** Result files, for `report`. */
  files: string[];
  flags: Flags;
}

/** Parses argv; `installedPeers` is what `--peers` may name and its default. Throws UsageError. */
export function parseFlags(argv: string[], installedPeers: SystemName[]): Command {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) return { command: "help", files: [], flags: { rounds: DEFAULT_ROUNDS, peers: [], quiet: true } };
  if (positionals.length > 1 && positionals[0] !== "report") throw new UsageError(`one scenario at a time (or all), not ${positionals.join(" ")}`);
  let peers = installedPeers;
  if (values.peers !== undefined) {
    const asked = values.peers === "none" ? [] : values.peers.split(",").map((p) => p.trim()).filter(Boolean);
    for (const p of asked) {
      if (!PEERS.includes(p as SystemName)) throw new UsageError(`unknown peer ${p}: ${PEERS.join(", ")}`);
      if (!installedPeers.includes(p as SystemName)) throw new UsageError(`peer ${p} is not installed here (bun run bench setup installs it)`);
    }
    peers = asked as SystemName[];
  }
  if (values.client !== undefined && values.client !== "wrk" && values.client !== "bun") throw new UsageError("--client is wrk or bun");
  if (values.client === "wrk" && !Bun.which("wrk")) throw new UsageError("wrk is not installed (bun run bench setup), use --client bun");
  if (values["log-max-size"] !== undefined) parseSize("log-max-size", values["log-max-size"]);
  return {
    command: positionals[0],
    files: positionals.slice(1),
    flags: {
      ...(values.n !== undefined ? { n: positive("n", values.n) } : {}),
      ...(values.concurrency !== undefined ? { concurrency: values.concurrency.split(",").map((c) => positive("concurrency", c)) } : {}),
      ...(values.duration !== undefined ? { durationMs: parseDuration("duration", values.duration) } : {}),
      rounds: values.rounds !== undefined ? positive("rounds", values.rounds) : DEFAULT_ROUNDS,
      ...(values.mib !== undefined ? { mib: positive("mib", values.mib) } : {}),
      ...(values["log-max-size"] !== undefined ? { logMaxSize: values["log-max-size"] } : {}),
      ...(values.client !== undefined ? { client: values.client as "wrk" | "bun" } : {}),
      ...(values.json !== undefined ? { json: values.json } : {}),
      ...(values["wait-quiet"] !== undefined ? { waitQuietMs: parseDuration("wait-quiet", values["wait-quiet"]) } : {}),
      peers,
      quiet: values.quiet ?? false,
    },
  };
}
