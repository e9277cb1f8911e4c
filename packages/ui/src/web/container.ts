/**
 * One container's page: what it is, its actions, its processes, live CPU, memory and pids charts (sampled from
 * /stats once a second while this page is open and the container runs), its captured logs, and its events (the
 * stored ones, then live; each event also re-reads the container).
 */
import type { Event as BerthEvent, Process } from "@berth/protocol";
import { actionButtons, onChanged, signal } from "./actions.ts";
import { api, ApiError, type ContainerInfo } from "./api.ts";
import { LiveChart } from "./charts.ts";
import { lifeText } from "./containers.ts";
import { h, replace, type View } from "./dom.ts";
import { subscribe } from "./events.ts";
import { bytes, exitStatus, localTime } from "./format.ts";
import { LogsPanel } from "./logs.ts";
import { streamPill } from "./pill.ts";
import { href } from "./router.ts";
import { sampleStats } from "./stats.ts";
import { eventRow } from "./timeline.ts";

const EVENTS_SHOWN = 200;

/** The page of container `id` (`#/containers/<id>`); a container that goes away is shown as gone. */
export function containerView(id: string): View {
  const head = h("div", { class: "toolbar" });
  const info = h("dl", { class: "info" });
  const processes = h("tbody");
  const events = h("tbody");
  const logs = new LogsPanel(id);
  const pill = streamPill();
  const charts = [
    new LiveChart("CPU", "#3b6fd8", (v) => `${v.toFixed(1)} %`),
    new LiveChart("Memory", "#8a4fd8", bytes),
    new LiveChart("Pids", "#1f9d74", String, true),
  ];
  const chartNote = h("p", { class: "muted" });
  let sampler: { stop(): void } | undefined;

  const startSampling = () => {
    if (sampler) return;
    chartNote.textContent = "sampled once a second while this page is open";
    sampler = sampleStats(id, (p) => {
      charts[0]!.push(p.time, p.cpuPercent);
      charts[1]!.push(p.time, p.memory);
      charts[2]!.push(p.time, p.pids);
    }, (reason) => {
      sampler = undefined;
      chartNote.textContent = `no more samples: ${reason}`;
    });
  };

  const processRow = (c: ContainerInfo, p: Process) => h("tr", { "data-pid": p.pid, "data-status": p.status },
    h("td", { class: "mono" }, p.pid),
    h("td", { class: "num" }, p.systemPid),
    h("td", {}, h("span", { class: `badge ${p.status}` }, p.status)),
    h("td", {}, p.exitStatus === undefined ? "–" : exitStatus(p.exitStatus)),
    h("td", {}, p.terminal ? "yes" : "no"),
    h("td", { class: "mono command" }, p.args.join(" ")),
    h("td", { class: "actions" },
      p.status === "running" && c.status !== "stopped"
        ? [h("a", { class: "button small secondary", "data-action": "attach", href: href({ view: "terminal", id, pid: p.pid }) }, "Attach"),
          h("button", { type: "button", class: "small secondary", onclick: () => void signal(id, p.pid) }, "Signal")]
        : null,
      h("button", { type: "button", class: "small secondary", "data-action": "logs", onclick: () => logs.show(p.pid) }, "Logs")));

  const render = (c: ContainerInfo) => {
    replace(head,
      h("a", { href: href({ view: "containers" }), class: "back" }, "← Containers"),
      h("h1", { class: "mono" }, c.id),
      h("span", { class: `badge ${c.status}`, "data-container-status": c.status }, c.status),
      pill.el,
      h("span", { class: "spacer" }),
      actionButtons(c));
    const field = (name: string, value: unknown) => [h("dt", {}, name), h("dd", {}, value as string)];
    replace(info,
      field("Bundle", h("span", { class: "mono" }, c.bundlePath)),
      field("Runtime", c.runtime),
      field("Created", localTime(c.createdAt)),
      field(c.status === "stopped" ? "Exit" : "Uptime", h("span", { "data-life": "" }, lifeText(c, Date.now()))),
      field("Labels", c.labels.length ? c.labels.map((l) => h("span", { class: "chip" }, l)) : "–"),
      field("Pids", c.pids.length ? c.pids.join(", ") : "–"),
      field("Restarts", c.restartCount ?? "–"));
    replace(processes, c.processes.map((p) => processRow(c, p)));
    logs.setProcesses(c.processes.map((p) => p.pid));
    if (c.status === "stopped") sampler?.stop(), (sampler = undefined), (chartNote.textContent = "stopped: no more samples");
    else startSampling();
  };

  const gone = (message: string) => {
    replace(head, h("a", { href: href({ view: "containers" }), class: "back" }, "← Containers"), h("h1", { class: "mono" }, id),
      h("span", { class: "badge gone", "data-container-status": "gone" }, "gone"));
    replace(info, h("p", { class: "muted" }, message));
    sampler?.stop();
    sampler = undefined;
  };

  let shown: ContainerInfo | undefined;
  const ticker = setInterval(() => {
    const life = info.querySelector<HTMLElement>("[data-life]");
    if (shown && life) life.textContent = lifeText(shown, Date.now());
  }, 1000);
  let reading = Promise.resolve();
  const reload = () => {
    reading = reading.then(async () => {
      try {
        render((shown = await api.container(id)));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) gone(err.message);
      }
    });
  };
  const stream = subscribe({ id, after: 0 }, {
    event: (e: BerthEvent) => {
      events.prepend(eventRow(e, false));
      while (events.childElementCount > EVENTS_SHOWN) events.lastElementChild!.remove();
      reload();
    },
    state: (s) => {
      pill.set(s);
      if (s.state === "live" && s.resumedAfter === undefined) replace(events);
    },
  });
  reload();
  const unwatch = onChanged((changedId) => changedId === id && reload());

  const el = h("section", { class: "view" }, head,
    h("div", { class: "grid" },
      h("div", { class: "card" }, h("h2", {}, "Container"), info),
      h("div", { class: "card charts" }, h("h2", {}, "Usage"), h("div", { class: "chart-row" }, charts.map((c) => c.el)), chartNote)),
    h("div", { class: "card" }, h("h2", {}, "Processes"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Pid", "System pid", "Status", "Exit", "Tty", "Command", ""].map((t) => h("th", {}, t)))), processes)),
    h("div", { class: "card" }, h("h2", {}, "Logs"), logs.el),
    h("div", { class: "card" }, h("h2", {}, "Events"),
      h("table", { class: "events" }, h("thead", {}, h("tr", {}, ["Seq", "Time", "Type", "Pid", "Status"].map((t) => h("th", {}, t)))), events)));
  return {
    el,
    dispose: () => {
      stream.close();
      unwatch();
      clearInterval(ticker);
      sampler?.stop();
      logs.dispose();
      for (const c of charts) c.destroy();
    },
  };
}
