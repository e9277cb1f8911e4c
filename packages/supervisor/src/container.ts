/**
 * A container as berthd tracks it: what was asked for, what its shim reported, and the serial queue that orders
 * every operation on it (create, signal, exit handling). Fields marked "queue" are written only from work on
 * that queue.
 */
import type { Container, ContainerStatus, ExitRecord, Process, User } from "@berth/protocol";
import { readBundleConfig } from "@berth/runtime";
import type { ContainerLayout, ContainerRecord } from "@berth/state";
import { readPids } from "./cgroups.ts";
import type { ExecEntry } from "./exec.ts";
import { SerialQueue } from "./queue.ts";
import type { ShimClient } from "./shim-client.ts";

/** The init's process spec, from the bundle's config.json, as the API shows it. */
export interface InitSpec {
  args: string[];
  env: string[];
  cwd: string;
  terminal: boolean;
  user: User;
}

/** invalid_argument when the bundle or its config.json is not something to read (see @berth/runtime bundle.ts). */
export async function readInitSpec(bundlePath: string): Promise<InitSpec | undefined> {
  // (the record keeps a copy, so a restarted berthd still shows it when the bundle is gone)
  const spec = await readBundleConfig<{ process?: Partial<InitSpec> & { user?: { uid?: number; gid?: number; additionalGids?: number[] } } }>(
    bundlePath,
  );
  if (!spec?.process) return undefined;
  const p = spec.process;
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: p.cwd ?? "/",
    terminal: p.terminal ?? false,
    user: { uid: p.user?.uid ?? 0, gid: p.user?.gid ?? 0, ...(p.user?.additionalGids ? { additionalGids: p.user.additionalGids } : {}) },
  };
}

export type Lifecycle = "creating" | ContainerStatus | "released";

export class ContainerEntry {
  readonly queue = new SerialQueue();
  /** queue */
  status: Lifecycle = "creating";
  /** queue */
  shim: ShimClient | undefined;
  /** queue */
  systemPid = 0;
  /** queue: the init's start time, to tell it from a process that later reuses its pid */
  initStartTime = "";
  /** The init's exit as the shim reported it, before the shim itself exits. */
  initExit: ExitRecord | undefined;
  /** cgroup.procs of the container, found once its init runs. */
  procsFile: string | undefined;
  /** Rebuilt from the state dir by a restarted berthd (its events may already be in the journal). */
  restored = false;
  /** start-container is in the journal: only then does its exit get reported. */
  started = false;
  /** Execs by id, kept (exited ones too) until the container is released. Changed on the queue. */
  readonly execs = new Map<string, ExecEntry>();

  /** Resolves once the container is released: its exit journaled, its state dir gone, its id free. */
  readonly released: Promise<void>;
  private resolveReleased!: () => void;

  constructor(readonly record: ContainerRecord, readonly layout: ContainerLayout, readonly init: InitSpec = record.init) {
    this.released = new Promise((resolve) => (this.resolveReleased = resolve));
  }

  markReleased(): void {
    this.resolveReleased();
  }

  get id(): string {
    return this.record.id;
  }

  /** Listed once the init runs, until its exit has been handled. */
  get visible(): boolean {
    return this.status === "running" || this.status === "paused" || this.status === "stopped";
  }

  toApi(): Container {
    const status = this.status === "running" || this.status === "paused" ? this.status : "stopped";
    const init: Process = {
      pid: "init",
      systemPid: this.systemPid,
      ...this.init,
      stdin: this.record.stdin ?? "",
      stdout: this.record.stdout ?? "",
      stderr: this.record.stderr ?? "",
      status: status === "stopped" ? "exited" : "running",
    };
    return {
      id: this.id,
      bundlePath: this.record.bundlePath,
      status,
      labels: this.record.labels,
      runtime: this.record.runtime,
      createdAt: this.record.createdAt,
      pids: status === "stopped" ? [] : readPids(this.procsFile),
      processes: [init, ...[...this.execs.values()].filter((e) => e.status !== "creating").map((e) => e.toApi())],
    };
  }
}
