/**
 * berthd's Prometheus metrics (prom-client): operation durations, exit-to-event latency, the registry, events
 * and the journal, API requests, runtime errors, restore duration, the build and the process itself. Gauges that
 * describe current state are read when scraped, so nothing on a hot path keeps them up to date.
 *
 * Every name has the one prefix `berth_`; a value that only grows is a counter named `_total`; a container is the
 * label `container_id`, as containerd names it. The text passes `promtool check metrics` (test/daemon.test.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Operation durations, in seconds: runc calls take ~10-50 ms, a loaded machine seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** From a process's exit (the shim's record) to its event reaching subscribers. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type Operation = "create" | "start" | "delete" | "exec" | "stats" | "pause" | "resume" | "update" | "checkpoint";

/**
 * prom-client's default metrics that are left out: `nodejs_version_info` reports the Node version Bun pretends to
 * be (berth_build_info names Bun's own), and the `nodejs_active_*_total` gauges break the rule that only counters
 * end in `_total` (their unsuffixed twins, which stay, carry the same numbers).
 */
const DROPPED_DEFAULTS = ["nodejs_version_info", "nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** The labels of berth_build_info. */
export interface BuildInfo {
  version: string;
  revision: string;
  runtime: string;
}

/** What the scrape-time gauges read. */
export interface MetricsSource {
  containersByStatus(): Record<string, number>;
  shims(): number;
  subscribers(): number;
  journalEvents(): number;
  journalBytes(): number;
  eventsWritten(): number;
  /** Per-container usage, or undefined when berthd runs without --metrics-per-container. */
  perContainer?(): ContainerUsage[];
}

export interface ContainerUsage {
  id: string;
  cpuSeconds: number;
  memoryBytes: number;
  pids: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly durations: Histogram<"operation">;
  private readonly exitToEvent: Histogram<never>;
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly runtimeErrors: Counter<"operation">;
  private readonly restoreSeconds: Gauge<never>;
  private readonly perContainer: (() => ContainerUsage[]) | undefined;
  private usage: ContainerUsage[] = [];

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "berth_" });
    for (const name of DROPPED_DEFAULTS) this.registry.removeSingleMetric(`berth_${name}`);
    this.durations = new Histogram({ name: "berth_operation_duration_seconds", help: "Duration of container operations", labelNames: ["operation"], buckets: DURATION_BUCKETS, registers });
    this.exitToEvent = new Histogram({ name: "berth_exit_to_event_seconds", help: "From a process's exit to its exit event being published", buckets: LATENCY_BUCKETS, registers });
    this.requests = new Counter({ name: "berth_api_requests_total", help: "API requests by route and status", labelNames: ["method", "route", "status"], registers });
    this.runtimeErrors = new Counter({ name: "berth_runtime_errors_total", help: "Failed runtime calls by operation", labelNames: ["operation"], registers });
    new Counter({
      name: "berth_events_written_total", help: "Events appended to the journal since berthd started", registers,
      collect() {
        this.reset();
        this.inc(source.eventsWritten());
      },
    });
    this.restoreSeconds = new Gauge({ name: "berth_restore_duration_seconds", help: "How long the last restore took", registers });
    new Gauge({
      name: "berth_containers", help: "Containers by status", labelNames: ["status"], registers,
      collect() {
        this.reset();
        for (const [status, n] of Object.entries(source.containersByStatus())) this.set({ status }, n);
      },
    });
    new Gauge({ name: "berth_shims", help: "Shims berthd is connected to", registers, collect() { this.set(source.shims()); } });
    new Gauge({ name: "berth_event_subscribers", help: "Live event stream subscribers", registers, collect() { this.set(source.subscribers()); } });
    this.perContainer = source.perContainer?.bind(source);
    if (this.perContainer) {
      // Cgroup reads for every running container on a scrape: that is why it is a flag. text() reads them once
      // for the three families.
      const usage = () => this.usage;
      const family = (name: string, help: string, value: (u: ContainerUsage) => number) => new Gauge({
        name, help, labelNames: ["container_id"], registers,
        collect() {
          this.reset();
          for (const u of usage()) this.set({ container_id: u.id }, value(u));
        },
      });
      // CPU time only grows while a container lives: a counter, read from the cgroup (a new container starts at 0).
      new Counter({
        name: "berth_container_cpu_seconds_total", help: "CPU time the container has used, in seconds", labelNames: ["container_id"], registers,
        collect() {
          this.reset();
          for (const u of usage()) this.inc({ container_id: u.id }, u.cpuSeconds);
        },
      });
      family("berth_container_memory_bytes", "Memory the container uses", (u) => u.memoryBytes);
      family("berth_container_pids", "Processes in the container", (u) => u.pids);
    }
    new Gauge({ name: "berth_journal_events", help: "Events the journal keeps for replay", registers, collect() { this.set(source.journalEvents()); } });
    new Gauge({ name: "berth_journal_bytes", help: "Size of the journal file", registers, collect() { this.set(source.journalBytes()); } });
  }

  /** Sets berth_build_info{version,revision,runtime,bun} to 1, as Prometheus's own build_info metrics do. */
  buildInfo(info: BuildInfo): void {
    new Gauge({
      name: "berth_build_info", help: "berthd's version, git revision, OCI runtime and Bun version; always 1",
      labelNames: ["version", "revision", "runtime", "bun"], registers: [this.registry],
    }).set({ version: info.version, revision: info.revision, runtime: info.runtime, bun: Bun.version }, 1);
  }

  /** Times `work` as `operation`; a failure with code runtime_error also counts as a runtime error. */
  async time<T>(operation: Operation, work: () => Promise<T>): Promise<T> {
    const end = this.durations.startTimer({ operation });
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string }).code === "runtime_error") this.runtimeErrors.inc({ operation });
      throw err;
    } finally {
      end();
    }
  }

  observe(operation: Operation, seconds: number): void {
    this.durations.observe({ operation }, seconds);
  }

  exitPublished(exitedAt: string): void {
    const ms = Date.now() - Date.parse(exitedAt);
    if (Number.isFinite(ms)) this.exitToEvent.observe(Math.max(ms, 0) / 1000);
  }

  request(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  restored(seconds: number): void {
    this.restoreSeconds.set(seconds);
  }

  text(): Promise<string> {
    if (this.perContainer) this.usage = this.perContainer();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
