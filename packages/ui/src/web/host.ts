/**
 * The host panel: the machine (`GET /v1/state`), berthd itself (`GET /v1/version`) and berthd's own metrics at a
 * glance (`GET /metrics`: restore time, events written, journal, shims, subscribers, requests, memory). It reads
 * them when opened and every REFRESH_MS while it stays open.
 */
import { api } from "./api.ts";
import { h, replace, type View } from "./dom.ts";
import { bytes, duration } from "./format.ts";
import { metric, parseMetrics } from "./metrics.ts";

const REFRESH_MS = 5000;

type Tile = [label: string, key: string, value: string];

/** The host panel (`#/host`). */
export function hostView(): View {
  const body = h("div", { class: "grid host" }, h("p", { class: "muted" }, "reading…"));
  const stamp = h("span", { class: "muted" });
  const card = (title: string, tiles: Tile[]) => h("div", { class: "card" }, h("h2", {}, title),
    h("div", { class: "tiles" }, tiles.map(([label, key, value]) => h("div", { class: "tile", "data-metric": key }, h("div", { class: "value" }, value), h("div", { class: "label" }, label)))));
  const n = (v: number | undefined, f: (x: number) => string = String) => (v === undefined ? "–" : f(v));

  const read = async () => {
    const [state, version, text] = await Promise.all([api.state(), api.version(), api.metrics()]);
    const m = parseMetrics(text);
    // prom-client's process metrics: berth_process_* (one prefix for every name), berthd_process_* before that.
    const proc = (name: string) => metric(m, `berth_process_${name}`) ?? metric(m, `berthd_process_${name}`);
    const started = proc("start_time_seconds");
    replace(body,
      card("Machine", [
        ["CPUs", "cpus", String(state.machine.cpus)],
        ["Memory", "memory", bytes(state.machine.memory)],
        ["Running", "running", n(metric(m, "berth_containers", { status: "running" }))],
        ["Paused", "paused", n(metric(m, "berth_containers", { status: "paused" }))],
      ]),
      card(`berthd ${version.version}`, [
        ["Uptime", "uptime", n(started, (s) => duration(Date.now() - s * 1000))],
        ["Last restore", "restore", n(metric(m, "berth_restore_duration_seconds"), (s) => `${(s * 1000).toFixed(0)} ms`)],
        ["Resident memory", "rss", n(proc("resident_memory_bytes"), bytes)],
        ["Open fds", "fds", n(proc("open_fds"))],
        ["Runtime", "runtime", version.runtime],
        ["Revision", "revision", version.revision.slice(0, 12)],
      ]),
      card("Supervision", [
        ["Shims", "shims", n(metric(m, "berth_shims"))],
        ["Events written", "events-written", n(metric(m, "berth_events_written_total"))],
        ["Journal events", "journal-events", n(metric(m, "berth_journal_events"))],
        ["Journal size", "journal-bytes", n(metric(m, "berth_journal_bytes"), bytes)],
        ["Event subscribers", "subscribers", n(metric(m, "berth_event_subscribers"))],
        ["API requests", "requests", n(metric(m, "berth_api_requests_total"))],
        ["Runtime errors", "runtime-errors", n(metric(m, "berth_runtime_errors_total") ?? 0)],
      ]));
    stamp.textContent = `read ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
  };
  const refresh = () => read().catch((err: Error) => (stamp.textContent = err.message));
  void refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  const el = h("section", { class: "view" }, h("div", { class: "toolbar" }, h("h1", {}, "Host"), stamp), body);
  return { el, dispose: () => clearInterval(timer) };
}
