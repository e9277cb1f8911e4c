/** berthd's version: the root package.json's version and the git revision the code was run from. */
import { readFileSync } from "node:fs";
import type { Version } from "@berth/protocol";
import type { InstallLayout } from "@berth/state";

/** The version of the install berthd runs from, and its git revision ("unknown" outside a checkout). */
export function versionInfo(install: InstallLayout, runtime: string): Version {
  const version = (JSON.parse(readFileSync(install.packageJson, "utf8")) as { version?: string }).version ?? "0.0.0";
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  const git = Bun.spawnSync(["git", "-C", install.root, "rev-parse", "--short", "HEAD"], { stderr: "ignore" });
  const revision = git.exitCode === 0 ? git.stdout.toString().trim() : "unknown";
  return { version, major, minor, patch, revision, runtime };
}
