/** berthd's version: the root package.json's version and the git revision the code was run from. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Version } from "@berth/protocol";

const REPO = resolve(import.meta.dir, "../../..");

export function versionInfo(runtime: string): Version {
  const version = (JSON.parse(readFileSync(`${REPO}/package.json`, "utf8")) as { version?: string }).version ?? "0.0.0";
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  const git = Bun.spawnSync(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], { stderr: "ignore" });
  const revision = git.exitCode === 0 ? git.stdout.toString().trim() : "unknown";
  return { version, major, minor, patch, revision, runtime };
}
