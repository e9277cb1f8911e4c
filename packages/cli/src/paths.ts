/**
 * Paths the user typed, made absolute against the directory berth was called from. `bun run berth` starts the
 * CLI in the repository root, not there: bun passes the caller's directory as npm_config_local_prefix, npm as
 * INIT_CWD. Run directly (`bun packages/cli/src/main.ts`), it is the process's cwd.
 */
import { resolve } from "node:path";

export function callerDir(env: Record<string, string | undefined> = process.env): string {
  if (env.npm_lifecycle_event === "berth") return env.INIT_CWD ?? env.npm_config_local_prefix ?? process.cwd();
  return process.cwd();
}

export const absolute = (path: string) => resolve(callerDir(), path);
