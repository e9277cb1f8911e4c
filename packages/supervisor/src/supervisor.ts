/**
 * The Supervisor: berthd's core as one facade over its parts, each owning one thing: the registry
 * (registry.ts), the create pipeline (create.ts), the event relay that every event goes through (relay.ts), the
 * shims' notices and deaths (shims.ts), restore (restore.ts), and the operations on containers, processes and
 * checkpoints. The parts share a Context; none imports this file.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import type { Container, CreateContainer, State } from "@berth/protocol";
import { StateLayout } from "@berth/state";
import { cgroupsOf } from "@berth/sys";
import { Checkpoints } from "./checkpoints.ts";
import type { ContainerEntry } from "./container.ts";
import type { Context, SupervisorConfig } from "./context.ts";
import { within } from "./context.ts";
import { createContainer } from "./create.ts";
import { EventBroker } from "./events.ts";
import { Journal } from "./journal.ts";
import { machineInfo } from "./machine.ts";
import { type ContainerUsage, Metrics } from "./metrics.ts";
import { ContainerOperations } from "./operations.ts";
import { PidTracker } from "./pids.ts";
import { Processes } from "./processes.ts";
import { Registry } from "./registry.ts";
import { EventRelay } from "./relay.ts";
import { Restarts } from "./restart.ts";
import { restoreAll, type RestoreProgress } from "./restore.ts";
import { Bundles } from "./run/bundles.ts";
import { readStats } from "./stats.ts";

export type { SupervisorConfig } from "./context.ts";

export class Supervisor {
  readonly layout: StateLayout;
  readonly events: EventBroker;
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly operations: ContainerOperations;
  readonly processes: Processes;
  readonly checkpoints: Checkpoints;
  readonly bundles: Bundles;
  private readonly ctx: Context;
  private readonly restarts: Restarts;
  private readonly pids: PidTracker;
  private restoring: Promise<void> | undefined;

  constructor(readonly config: SupervisorConfig) {
    this.layout = new StateLayout(config.stateDir);
    mkdirSync(config.stateDir, { recursive: true, mode: 0o711 });
    mkdirSync(this.layout.containersDir, { recursive: true, mode: 0o700 });
    rmSync(this.layout.trashDir, { recursive: true, force: true });
    mkdirSync(this.layout.trashDir, { mode: 0o700 });
    const journal = new Journal(this.layout.journal, config.retainCount);
    if (journal.skippedLines > 0) config.logger.warn("skipped unreadable journal lines", { count: journal.skippedLines });
    this.events = new EventBroker(journal);
    this.registry = new Registry(this.layout, config.retainStopped, config.logger);
    this.metrics = new Metrics({
      containersByStatus: () => {
        const counts: Record<string, number> = { running: 0, paused: 0, stopped: 0 };
        for (const c of this.registry.list(true)) counts[c.status] = (counts[c.status] ?? 0) + 1;
        return counts;
      },
      shims: () => this.registry.all().filter((c) => c.shim).length,
      subscribers: () => this.events.subscriberCount,
      journalEvents: () => this.events.journal.size,
      journalBytes: () => statSync(this.layout.journal, { throwIfNoEntry: false })?.size ?? 0,
      eventsWritten: () => this.events.written,
      ...(config.metricsPerContainer ? { perContainer: () => this.usage() } : {}),
    });
    const relay = new EventRelay(this.events, config.logger, (entry, change) => {
      if (change.type === "exit" && change.pid === "init") {
        this.metrics.exitPublished(change.at);
        config.logger.info("container exited", { container: entry.id, status: change.status });
        this.restarts.consider(entry);
      } else if (change.type === "exit") {
        this.metrics.exitPublished(change.at);
      }
    });
    // An image is in use while any container of the registry (stopped ones too) was made from it.
    this.bundles = new Bundles(this.layout, (digest) => this.registry.all().filter((c) => c.record.image?.digest === digest).map((c) => c.id));
    this.pids = new PidTracker(config.logger);
    this.ctx = { config, layout: this.layout, registry: this.registry, pids: this.pids, relay, metrics: this.metrics, bundles: this.bundles };
    this.restarts = new Restarts(this.ctx);
    this.operations = new ContainerOperations(this.ctx, this.restarts);
    this.processes = new Processes(this.ctx);
    this.checkpoints = new Checkpoints(this.ctx);
  }

  /** GET /v1/containers: running and paused; with `all` stopped ones too. */
  list(all = false): Container[] {
    return this.registry.list(all);
  }

  /** list(all) as JSON text: what GET /v1/containers answers. */
  listJson(all = false): string {
    return this.registry.listJson(all);
  }

  get(id: string): Container {
    return this.registry.get(id).toApi();
  }

  state(): State {
    return { containers: this.list(), machine: machineInfo() };
  }

  /** POST /v1/containers (create.ts). */
  create(request: CreateContainer): Promise<Container> {
    return createContainer(this.ctx, request);
  }

  /** Restores every container found in the state dir (restore.ts); `progress` hears of each one done. */
  async restore(progress?: RestoreProgress): Promise<void> {
    const started = performance.now();
    this.restoring = restoreAll(this.ctx, (entry) => this.operations.signal(entry.id, "init", 9), progress);
    await this.restoring;
    this.restoring = undefined;
    // Restarts pending when berthd went down, and exits that happened meanwhile, as each policy says.
    for (const entry of this.registry.all()) this.restarts.consider(entry);
    const ms = performance.now() - started;
    this.metrics.restored(ms / 1000);
    this.config.logger.info("restore done", { containers: this.registry.all().length, ms: Math.round(ms) });
  }

  get isRestoring(): boolean {
    return this.restoring !== undefined;
  }

  /**
   * berthd's `--stop-containers-on-exit` (containerd 0.2's Supervisor.Stop): SIGTERM to every live init, up to
   * `timeoutMs` for them to exit, SIGKILL to the rest; resolves once each exit is journaled (bounded).
   */
  async stopAll(timeoutMs: number): Promise<void> {
    // Not a stop through the API: restart policies stay, and act again at berthd's next start.
    this.restarts.suspend();
    const live = this.registry.all().filter((c) => c.live && c.visible);
    const own = { endsPolicy: false };
    const stop = async (entry: ContainerEntry) => {
      await this.operations.signal(entry.id, "init", "SIGTERM", own).catch(() => {});
      try {
        await within(entry.stopped.promise, timeoutMs, "stop");
      } catch {
        await this.operations.signal(entry.id, "init", "SIGKILL", own).catch(() => {});
        await within(entry.stopped.promise, this.config.startTimeoutMs, "kill").catch(() => {});
      }
    };
    await Promise.all(live.map(stop));
  }

  /** Releases what berthd holds open of the kernel (the process events socket); containers are not touched. */
  close(): void {
    this.pids.close();
  }

  /** cpu, memory and pids of every live container, from its cgroups. */
  private usage(): ContainerUsage[] {
    const usage: ContainerUsage[] = [];
    for (const c of this.registry.all()) {
      const cgroups = c.live ? cgroupsOf(c.systemPid) : undefined;
      if (!cgroups) continue;
      const stats = readStats(cgroups);
      usage.push({ id: c.id, cpuSeconds: stats.cpu.usage.total / 1e9, memoryBytes: stats.memory.usage.usage, pids: stats.pids.current });
    }
    return usage;
  }

  /** What berthd is doing, for SIGUSR1: the registry, shims, queues with work in flight, subscribers, journal. */
  diagnostics() {
    const all = this.registry.all();
    return {
      containers: all.map((c) => ({
        id: c.id,
        state: c.state,
        shimPid: c.shim?.pid,
        initPid: c.systemPid,
        queued: c.queue.length,
        lastRelayed: c.lastRelayed,
        execs: [...c.execs.values()].map((e) => ({ pid: e.pid, state: e.state, systemPid: e.systemPid })),
      })),
      inFlight: all.filter((c) => c.queue.length > 0).map((c) => ({ id: c.id, queued: c.queue.length })),
      restoring: this.isRestoring,
      subscribers: this.events.subscriberCount,
      journal: { events: this.events.journal.size, nextSeq: this.events.journal.nextSeq },
    };
  }
}
