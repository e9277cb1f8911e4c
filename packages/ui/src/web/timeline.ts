/**
 * The events timeline: the journal's stored events chosen by `after` (a sequence number), `since` (RFC 3339, or
 * "10m"-style relative) and a container `id`, then live ones, newest first. When the stream breaks it resumes
 * with Last-Event-ID (events.ts); the badge says after which event it resumed. At most SHOWN rows are kept.
 */
import type { Event as BerthEvent } from "@berth/protocol";
import { h, replace, toast, type View } from "./dom.ts";
import { subscribe } from "./events.ts";
import { exitStatus, localTime, sinceTime } from "./format.ts";
import { streamPill } from "./pill.ts";
import { href, type Route } from "./router.ts";

const SHOWN = 1000;

/** A table row of one event; `withId` adds the container's id as a link. */
export function eventRow(e: BerthEvent, withId: boolean): HTMLTableRowElement {
  return h("tr", { "data-seq": e.seq, "data-type": e.type },
    h("td", { class: "num" }, e.seq),
    h("td", { class: "muted" }, localTime(e.timestamp)),
    h("td", {}, h("span", { class: `badge event ${e.type}` }, e.type)),
    withId ? h("td", {}, h("a", { class: "mono", href: href({ view: "container", id: e.id }) }, e.id)) : null,
    h("td", { class: "mono" }, e.pid ?? ""),
    h("td", {}, e.status === undefined ? "" : exitStatus(e.status)));
}

/** The events timeline (`#/events?after=&since=&id=`); without after or since it starts at the oldest stored event. */
export function timelineView(route: Extract<Route, { view: "events" }>): View {
  const rows = h("tbody");
  const pill = streamPill();
  const last = h("span", { class: "muted" });
  const after = h("input", { name: "after", inputmode: "numeric", placeholder: "seq", value: route.after ?? "", size: 8 });
  const since = h("input", { name: "since", placeholder: "10m or 2026-11-29T20:00:00Z", value: route.since ?? "", size: 26 });
  const id = h("input", { name: "id", placeholder: "container id", value: route.id ?? "", size: 16 });
  const apply = (e: Event) => {
    e.preventDefault();
    const sinceText = since.value.trim();
    const sinceValue = sinceText ? sinceTime(sinceText) : undefined;
    if (sinceText && !sinceValue) return toast(`since: ${JSON.stringify(sinceText)} is neither RFC 3339 nor like 10m`, "error");
    const afterValue = after.value.trim() === "" ? undefined : Number(after.value);
    if (afterValue !== undefined && !(Number.isInteger(afterValue) && afterValue >= 0)) return toast("after: a sequence number", "error");
    location.hash = href({
      view: "events",
      ...(afterValue === undefined ? {} : { after: afterValue }),
      ...(sinceValue ? { since: sinceValue } : {}),
      ...(id.value.trim() ? { id: id.value.trim() } : {}),
    });
  };
  // With no filter, the stored part starts at the first event the journal keeps.
  const query = { ...route, ...(route.after === undefined && !route.since ? { after: 0 } : {}) };
  const stream = subscribe(query, {
    event: (e) => {
      rows.prepend(eventRow(e, true));
      while (rows.childElementCount > SHOWN) rows.lastElementChild!.remove();
      last.textContent = `last event ${e.seq}`;
    },
    state: (s) => {
      pill.set(s);
      if (s.state === "live" && s.resumedAfter === undefined) replace(rows);
    },
  });
  const el = h("section", { class: "view" },
    h("div", { class: "toolbar" }, h("h1", {}, "Events"), pill.el, last),
    h("form", { class: "card filters", onsubmit: apply },
      h("label", {}, "After", after), h("label", {}, "Since", since), h("label", {}, "Container", id),
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("a", { class: "button secondary", href: href({ view: "events" }) }, "Clear")),
    h("div", { class: "card table-wrap" }, h("table", { class: "events" },
      h("thead", {}, h("tr", {}, ["Seq", "Time", "Type", "Container", "Pid", "Status"].map((t) => h("th", {}, t)))), rows)));
  return { el, dispose: () => stream.close() };
}
