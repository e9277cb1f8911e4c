/**
 * What berthd's parts share: the config, the layout, the registry, the pid tracker, the event relay, metrics, and the runtime for
 * a container (used only to clean up after a dead shim or a failed delete: the shim makes every other call).
 * Each part (create.ts, shims.ts, restore.ts, operations.ts, processes.ts, checkpoints.ts) takes this, never the
 * Supervisor facade, so no part reaches into another.
 */
import { BerthError, type Logger } from "@berth/protocol";
import { Runc } from "@berth/runtime";
import type { ContainerLayout, StateLayout } from "@berth/state";
import { spawn } from "@berth/sys";
import type { Metrics } from "./metrics.ts";
import type { PidTracker } from "./pids.ts";
import type { Registry } from "./registry.ts";
import type { EventRelay } from "./relay.ts";
import type { Bundles } from "./run/bundles.ts";

export interface SupervisorConfig {
  stateDir: string;
  runtime: string;
  runtimeArgs: string[];
  /** Bound for a create or an exec, and for the waits that follow one (ms). */
  startTimeoutMs: number;
  retainCount: number;
  /** Stopped containers kept for inspection (API.md's --retain-stopped). */
  retainStopped: number;
  /** argv that runs berth-shim; the container dir is appended. */
  shimCommand: string[];
  /** Captured output: each log file rotates at this size (bytes). */
  logMaxBytes: number;
  /** Export cpu, memory and pids per container in /metrics (a cgroup read per container per scrape). */
  metricsPerContainer?: boolean;
  logger: Logger;
}

export interface Context {
  readonly config: SupervisorConfig;
  readonly layout: StateLayout;
  readonly registry: Registry;
  /** Keeps each running container's pids (pids.ts); a ContainerEntry is made with it. */
  readonly pids: PidTracker;
  readonly relay: EventRelay;
  readonly metrics: Metrics;
  /** Bundles berthd writes for creates with rootfs or image, and the image store (run/bundles.ts). */
  readonly bundles: Bundles;
}

/** The runtime as a container was created with (its own binary and global args), logging into its state dir. */
export function runtimeFor(ctx: Context, layout: ContainerLayout, choice?: { runtime: string; runtimeArgs: string[] }): Runc {
  return new Runc({
    binary: choice?.runtime ?? ctx.config.runtime,
    globalArgs: choice?.runtimeArgs ?? ctx.config.runtimeArgs,
    logDir: layout.runcLogDir,
    timeoutMs: ctx.config.startTimeoutMs,
    spawn,
  });
}

/** `promise`, or `timeout` naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BerthError("timeout", `${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
