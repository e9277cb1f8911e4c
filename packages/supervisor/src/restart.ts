/**
 * Restart policies (API.md, docker's): after its init's exit is published, a container whose policy says so gets a
 * new init in the same container (same id, labels, captured logs), after a back-off that doubles from 100 ms to
 * 1 min and resets after 10 s of running. `on-failure` restarts a non-zero exit, at most `maxRetries` times;
 * `always` and `unless-stopped` restart any exit (they differ only in docker's daemon restarts, which do not stop
 * containers here). A stop through the API (a signal to the init, a forced delete) ends the policy until the
 * container is created again; the end is on disk (`restart-ended`), and so is everything the decision needs: the
 * lives of the init are in the change log, so a restart pending when berthd died is made at restore, once.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import type { Restart } from "@berth/protocol";
import type { ContainerEntry, Life } from "./container.ts";
import { type Context, within } from "./context.ts";
import { discard, launch } from "./create.ts";
import { markCleaned } from "./shims.ts";

const FIRST_MS = 100;
const MAX_MS = 60_000;
/** A life that ran this long resets the back-off (ms). */
const RESET_AFTER_MS = 10_000;

/**
 * How long after the last exit the policy restarts the init (ms), or undefined when it does not: the policy, the
 * lives so far (the last one ended) and whether a stop through the API ended it. Pure.
 */
export function restartDelay(policy: Restart | undefined, lives: readonly Life[], ended: boolean): number | undefined {
  const last = lives.at(-1);
  if (!policy || policy.policy === "no" || ended || last?.status === undefined) return undefined;
  if (policy.policy === "on-failure") {
    if (last.status === 0) return undefined;
    if (policy.maxRetries !== undefined && lives.length - 1 >= policy.maxRetries) return undefined;
  }
  // Lives that ended within RESET_AFTER_MS of their start, counted back from the last one.
  let short = 0;
  for (let i = lives.length - 1; i >= 0; i--) {
    const life = lives[i]!;
    if (life.exitedAt === undefined || Date.parse(life.exitedAt) - Date.parse(life.startedAt) >= RESET_AFTER_MS) break;
    short++;
  }
  return Math.min(FIRST_MS * 2 ** Math.max(0, short - 1), MAX_MS);
}

export class Restarts {
  /** Restarts waiting for their back-off, by container. */
  private readonly pending = new Map<ContainerEntry, Timer>();
  /** Launches that failed in a row, by container: a restart that cannot even start backs off too. */
  private readonly failures = new Map<ContainerEntry, number>();
  /** berthd is stopping its containers on its way out: nothing is restarted now. */
  private suspended = false;

  constructor(private readonly ctx: Context) {}

  /** After an init's exit is published, or at restore for a stopped container: schedules what the policy says. */
  consider(entry: ContainerEntry): void {
    if (this.suspended || entry.removed || entry.live || this.pending.has(entry)) return;
    const delay = restartDelay(entry.record.restart, entry.lives, existsSync(entry.layout.restartEnded));
    if (delay === undefined) return;
    const failures = this.failures.get(entry) ?? 0;
    const ms = Math.min(delay * 2 ** failures, MAX_MS);
    this.ctx.config.logger.info("restarting container", { container: entry.id, inMs: ms, policy: entry.record.restart?.policy });
    entry.restartAt = new Date(Date.now() + ms).toISOString();
    this.pending.set(entry, setTimeout(() => {
      this.pending.delete(entry);
      void this.restart(entry);
    }, ms));
  }

  /** Drops every pending restart and makes no more (berthd's stop on exit): the policies stay on disk. */
  suspend(): void {
    this.suspended = true;
    for (const entry of [...this.pending.keys()]) this.drop(entry);
  }

  /** A stop through the API: the policy ends (on disk) and a pending restart is dropped. */
  end(entry: ContainerEntry): void {
    this.drop(entry);
    if (!entry.record.restart || entry.removed) return;
    try {
      writeFileSync(entry.layout.restartEnded, "");
    } catch (err) {
      this.ctx.config.logger.warn("end the restart policy", { container: entry.id, error: String(err) });
    }
  }

  private drop(entry: ContainerEntry): void {
    clearTimeout(this.pending.get(entry));
    this.pending.delete(entry);
    entry.restartAt = undefined;
  }

  /** On the container's queue, once its last life is cleaned up: a new init, as a create would start it. */
  private async restart(entry: ContainerEntry): Promise<void> {
    const { logger, startTimeoutMs } = this.ctx.config;
    await entry.queue.run(async () => {
      await within(entry.cleaned.promise, startTimeoutMs, "wait for the cleanup of the last life");
      // One shim per container at a time: the last life's has told `deleted` and is on its way out.
      if (entry.shim) await within(entry.shim.gone, startTimeoutMs, "wait for the last life's shim to exit");
      if (entry.removed || entry.live || existsSync(entry.layout.restartEnded)) return;
      rmSync(entry.layout.cleaned, { force: true });
      entry.beginLife();
      try {
        this.ctx.bundles.mount(entry.layout, entry.record);
        await launch(this.ctx, entry);
        this.failures.delete(entry);
        // A stop through the API that came while this life was being started applies to it too.
        if (existsSync(entry.layout.restartEnded)) await entry.shim?.call("signal", { pid: "init", signal: 9 }).catch(() => {});
      } catch (err) {
        // It stays stopped, with its last exit; the next try backs off further.
        logger.error("restart failed", { container: entry.id, error: (err as Error).message });
        await discard(this.ctx, entry);
        markCleaned(this.ctx, entry, true);
        this.failures.set(entry, (this.failures.get(entry) ?? 0) + 1);
      }
    }).catch((err) => {
      // The last life's cleanup or shim did not finish in time: try again later, backing off.
      logger.error("restart", { container: entry.id, error: String(err) });
      this.failures.set(entry, (this.failures.get(entry) ?? 0) + 1);
    });
    // Due until the new life is out (or the restart is dropped), unless that life has already ended and is due again.
    if (!this.pending.has(entry)) entry.restartAt = undefined;
    if (this.failures.has(entry)) this.consider(entry);
  }
}
