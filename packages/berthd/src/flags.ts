/** berthd's command line (docs/api.md's table): parsed and checked here, turned into config by main.ts. */
import { parseArgs } from "node:util";
import { BerthError, durationMs, sizeBytes } from "@berth/protocol";
import { isLevel, type Level } from "@berth/supervisor";

export interface Flags {
  stateDir: string;
  listen: string[];
  runtime: string;
  runtimeArgs: string[];
  startTimeoutMs: number;
  retainCount: number;
  /** Stopped containers kept for inspection. */
  retainStopped: number;
  /** SIGTERM/SIGINT stop every container first (SIGTERM, then SIGKILL after stopTimeoutMs). */
  stopContainersOnExit: boolean;
  stopTimeoutMs: number;
  logLevel: Level;
  tokenFile: string;
  tlsCert?: string;
  tlsKey?: string;
  shim?: string;
  logMaxBytes: number;
  metricsPerContainer: boolean;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** The bundle the OpenAPI document's create example names (default: dist/bundles/demo of this checkout). */
  demoBundle?: string;
}

export const USAGE = `usage: bun run berthd [flags]
  --state-dir DIR          runtime state (default /run/berth)
  --listen ADDR            unix://PATH or tcp://HOST:PORT, repeatable
                           (default unix://<state-dir>/berth.sock and tcp://127.0.0.1:7420)
  --runtime PATH           OCI runtime binary (default runc)
  --runtime-args ARG       global runtime argument, repeatable
  --start-timeout DUR      bound for creating a container or exec (default 30s)
  --retain-count N         events kept for replay (default 10000)
  --retain-stopped N       stopped containers kept for inspection, oldest removed first (default 100)
  --stop-containers-on-exit  on SIGTERM/SIGINT stop every container first (default: they keep running)
  --stop-timeout DUR       with --stop-containers-on-exit: SIGTERM, then SIGKILL after DUR (default 10s)
  --log-level LEVEL        debug, info, warn, error (default info)
  --token-file PATH        bearer token for TCP (default <state-dir>/api-token)
  --tls-cert PATH, --tls-key PATH   TLS for TCP listeners
  --shim PATH              berth-shim binary (default dist/berth-shim, else the shim's source under bun)
  --log-max-size SIZE      rotate captured output logs at SIZE (default 16MiB)
  --metrics-per-container  also export cpu, memory and pids of each container in /metrics
  --max-body-size SIZE     refuse request bodies larger than SIZE with 413 (default 1MiB)
  --demo-bundle PATH       the bundle Swagger UI's create example names (default dist/bundles/demo)

The API, these flags and the metrics: docs/api.md in the repository.`;

/** "30s", "500ms", "2m", "1h" (protocol's durationMs) or plain milliseconds. */
export function parseDuration(s: string): number {
  const ms = /^\d+$/.test(s.trim()) ? Number(s) : durationMs(s);
  if (ms === undefined) throw new BerthError("invalid_argument", `invalid duration ${JSON.stringify(s)}: use e.g. 30s, 500ms, 2m`);
  return ms;
}

/** "16MiB", "512k", "1g" or plain bytes (protocol's sizeBytes). */
export function parseSize(s: string): number {
  const bytes = sizeBytes(s);
  if (bytes === undefined) throw new BerthError("invalid_argument", `invalid size ${JSON.stringify(s)}: use e.g. 16MiB`);
  return bytes;
}

/** `--runtime-args --root=/x` is docs/api.md's own example: its value starts with a dash, so it is bound explicitly. */
function joinRuntimeArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--runtime-args" && i + 1 < argv.length) out.push(`--runtime-args=${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

export function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: joinRuntimeArgs(argv),
    strict: true,
    options: {
      "state-dir": { type: "string", default: "/run/berth" },
      listen: { type: "string", multiple: true },
      runtime: { type: "string", default: "runc" },
      "runtime-args": { type: "string", multiple: true, default: [] },
      "start-timeout": { type: "string", default: "30s" },
      "retain-count": { type: "string", default: "10000" },
      "retain-stopped": { type: "string", default: "100" },
      "stop-containers-on-exit": { type: "boolean", default: false },
      "stop-timeout": { type: "string", default: "10s" },
      "log-level": { type: "string", default: "info" },
      "token-file": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      shim: { type: "string" },
      "log-max-size": { type: "string", default: "16MiB" },
      "metrics-per-container": { type: "boolean", default: false },
      "max-body-size": { type: "string", default: "1MiB" },
      "demo-bundle": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const stateDir = values["state-dir"];
  const retainCount = Number(values["retain-count"]);
  if (!Number.isInteger(retainCount) || retainCount < 1) throw new BerthError("invalid_argument", "--retain-count must be a positive integer");
  const retainStopped = Number(values["retain-stopped"]);
  if (!Number.isInteger(retainStopped) || retainStopped < 0) throw new BerthError("invalid_argument", "--retain-stopped must be an integer, 0 or more");
  const logLevel = values["log-level"];
  if (!isLevel(logLevel)) throw new BerthError("invalid_argument", `--log-level must be debug, info, warn or error, not ${logLevel}`);
  const maxBodyBytes = parseSize(values["max-body-size"]);
  if (maxBodyBytes < 1) throw new BerthError("invalid_argument", "--max-body-size must be at least 1 byte");
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) throw new BerthError("invalid_argument", "--tls-cert and --tls-key go together");
  return {
    stateDir,
    listen: values.listen ?? [`unix://${stateDir}/berth.sock`, "tcp://127.0.0.1:7420"],
    runtime: values.runtime,
    runtimeArgs: values["runtime-args"],
    startTimeoutMs: parseDuration(values["start-timeout"]),
    retainCount,
    retainStopped,
    stopContainersOnExit: values["stop-containers-on-exit"],
    stopTimeoutMs: parseDuration(values["stop-timeout"]),
    logLevel,
    tokenFile: values["token-file"] ?? `${stateDir}/api-token`,
    ...(values["tls-cert"] ? { tlsCert: values["tls-cert"], tlsKey: values["tls-key"] } : {}),
    ...(values.shim ? { shim: values.shim } : {}),
    ...(values["demo-bundle"] ? { demoBundle: values["demo-bundle"] } : {}),
    logMaxBytes: parseSize(values["log-max-size"]),
    metricsPerContainer: values["metrics-per-container"],
    maxBodyBytes,
  };
}
