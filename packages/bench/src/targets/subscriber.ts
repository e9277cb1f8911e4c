/**
 * Event subscriber processes (`ctr events`, `podman events`) say nothing once they listen: the bench makes probe
 * events of its own until one comes through, so no event of a measurement is made before the subscriber sees it.
 */
import type { Subprocess } from "bun";
import type { ExitFeed } from "../exits.ts";
import type { Subscription } from "./target.ts";

/**
 * Runs `probe` (which makes one probe event) until `seen()` says the subscriber `proc` printed one; then its
 * subscription to `feed`, closed by SIGKILL. Kills it and throws "<what> did not come up" when it exits first or
 * has not seen a probe after `timeoutMs`.
 */
export async function whenListening(proc: Subprocess, feed: ExitFeed, what: string, timeoutMs: number, seen: () => boolean, probe: () => Promise<void>): Promise<Subscription & { pid: number }> {
  const deadline = Date.now() + timeoutMs;
  while (!seen()) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`${what} did not come up`);
    }
    await probe();
  }
  return { feed, pid: proc.pid, close: () => proc.kill("SIGKILL") };
}
