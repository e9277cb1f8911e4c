/**
 * The containers table, kept live by the event stream: the list is read when the stream (re)opens, and each
 * event re-reads only the container it names (a 404 drops its row). Reads run one at a time, in the order they
 * were asked for, so an older answer never overwrites a newer one. Uptimes tick in the browser; berthd is asked
 * nothing between events. `Show stopped` lists stopped containers too (`?all=true`), with their exit status.
 */
import type { Event as BerthEvent } from "@berth/protocol";
import { actionButtons, create, onChanged } from "./actions.ts";
import { api, ApiError, type ContainerInfo } from "./api.ts";
import { h, replace, type View } from "./dom.ts";
import { subscribe } from "./events.ts";
import { duration, exitStatus, localTime, timeMs } from "./format.ts";
import { streamPill } from "./pill.ts";
import { href } from "./router.ts";

const SHOW_STOPPED = "berth.showStopped";

/** The uptime of a live container, or the exit of a stopped one. */
export function lifeText(c: ContainerInfo, now: number): string {
  if (c.status !== "stopped") return `up ${duration(now - timeMs(c.createdAt))}`;
  const status = c.exitStatus === undefined ? "exited" : `exited ${exitStatus(c.exitStatus)}`;
  return c.exitedAt ? `${status}, ${duration(now - timeMs(c.exitedAt))} ago` : status;
}

/** The containers table view (`#/`). */
export function containersView(): View {
  const rows = new Map<string, ContainerInfo>();
  let all = localStorage.getItem(SHOW_STOPPED) === "true";
  let filter = "";
  const tbody = h("tbody");
  const pill = streamPill();
  const count = h("span", { class: "muted" });

  // One read at a time, in order; a container already waiting for its read is not queued twice.
  let queue = Promise.resolve();
  const waiting = new Set<string>();
  const enqueue = (key: string, read: () => Promise<void>) => {
    if (waiting.has(key)) return;
    waiting.add(key);
    queue = queue.then(async () => {
      waiting.delete(key);
      await read().catch(() => {});
      render();
    });
  };
  const reloadAll = () => enqueue("*", async () => {
    const list = await api.containers(all);
    rows.clear();
    for (const c of list) rows.set(c.id, c);
  });
  const refresh = (id: string) => enqueue(id, async () => {
    try {
      const c = await api.container(id);
      if (c.status === "stopped" && !all) rows.delete(id);
      else rows.set(id, c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) rows.delete(id);
    }
  });

  const render = () => {
    const now = Date.now();
    const shown = [...rows.values()]
      .filter((c) => !filter || c.id.includes(filter) || c.labels.some((l) => l.includes(filter)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    count.textContent = `${shown.length} of ${rows.size}`;
    replace(tbody, shown.length === 0
      ? h("tr", { class: "empty" }, h("td", { colspan: 8 }, rows.size ? "No container matches the filter." : "No containers yet."))
      : shown.map((c) => h("tr", { "data-id": c.id, "data-status": c.status },
          h("td", {}, h("a", { href: href({ view: "container", id: c.id }), class: "mono" }, c.id)),
          h("td", {}, h("span", { class: `badge ${c.status}` }, c.status)),
          h("td", { class: "labels" }, c.labels.map((l) => h("span", { class: "chip" }, l))),
          h("td", { class: "num" }, c.status === "stopped" ? "–" : c.pids.length),
          h("td", { class: "num" }, c.restartCount ?? "–"),
          h("td", { class: "life", "data-life": "" }, lifeText(c, now)),
          h("td", { class: "muted" }, localTime(c.createdAt)),
          h("td", { class: "actions" }, actionButtons(c, true)))));
  };

  const stream = subscribe({}, {
    event: (e: BerthEvent) => refresh(e.id),
    state: (s) => {
      pill.set(s);
      if (s.state === "live") reloadAll();
    },
  });
  const unwatch = onChanged(refresh);
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const tr of tbody.querySelectorAll<HTMLTableRowElement>("tr[data-id]")) {
      const c = rows.get(tr.dataset.id!);
      const cell = tr.querySelector<HTMLElement>("[data-life]");
      if (c && cell) cell.textContent = lifeText(c, now);
    }
  }, 1000);

  const el = h("section", { class: "view" },
    h("div", { class: "toolbar" },
      h("h1", {}, "Containers"), pill.el, count,
      h("span", { class: "spacer" }),
      h("input", { type: "search", placeholder: "Filter by id or label", "aria-label": "Filter", oninput: (e: Event) => ((filter = (e.target as HTMLInputElement).value.trim()), render()) }),
      h("label", { class: "check" }, h("input", { type: "checkbox", id: "show-stopped", checked: all, onchange: (e: Event) => {
        all = (e.target as HTMLInputElement).checked;
        localStorage.setItem(SHOW_STOPPED, String(all));
        reloadAll();
      } }), "Show stopped"),
      h("button", { type: "button", class: "primary", "data-action": "create", onclick: () => void create() }, "Start container")),
    h("div", { class: "card table-wrap" }, h("table", { class: "containers" },
      h("thead", {}, h("tr", {}, ["Id", "Status", "Labels", "Pids", "Restarts", "Uptime / exit", "Created", ""].map((t) => h("th", {}, t)))),
      tbody)));
  render();
  return { el, dispose: () => (stream.close(), unwatch(), clearInterval(ticker)) };
}
