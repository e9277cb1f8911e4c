/** The `--restart` flag of `run` and `start`, as docker writes it: no, always, unless-stopped, on-failure[:N]. */
import type { Restart } from "@berth/protocol";
import { UsageError } from "./args.ts";

export const RESTART_OPTION = {
  restart: { type: "string", arg: "POLICY", help: "restart policy: no, on-failure[:N] (at most N restarts), always, unless-stopped" },
} as const;

/** The Restart of a `--restart` value; a usage error for anything else. */
export function parseRestart(value: string): Restart {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(value);
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) {
    throw new UsageError(`--restart takes no, on-failure[:N], always or unless-stopped, not ${JSON.stringify(value)}`);
  }
  return { policy: m[1] as Restart["policy"], ...(m[2] === undefined ? {} : { maxRetries: Number(m[2]) }) };
}
