/** The small "live / reconnecting" badge a view shows for its event stream, with the reason on hover. */
import { h } from "./dom.ts";
import type { StreamState } from "./events.ts";

/** A badge in the "connecting" state; `set` shows each state the stream reports. */
export function streamPill(): { el: HTMLElement; set(state: StreamState): void } {
  const el = h("span", { class: "pill connecting", "data-stream": "connecting" }, "connecting");
  return {
    el,
    set(s) {
      el.className = `pill ${s.state}`;
      el.dataset.stream = s.state;
      el.textContent = s.state === "live" ? "live" : s.state;
      el.title = s.state === "live" ? (s.resumedAfter === undefined ? "" : `resumed after event ${s.resumedAfter}`) : s.reason;
    },
  };
}
