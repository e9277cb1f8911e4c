/**
 * A live subscription to `GET /v1/events`, read with fetch and the protocol's SSE reader. The first request uses
 * the caller's `after`/`since`/`id`; when the stream breaks (network, berthd restart, or an `error` message for a
 * reader that fell behind) it reconnects after RETRY_MS with `Last-Event-ID: <last seq seen>` and the same `id`
 * filter, so no event is lost or repeated. Nothing polls: between events it costs berthd one open stream.
 */
import type { Event } from "@berth/protocol";
import { readSse } from "@berth/protocol/sse";
import { ApiError, failure } from "./api.ts";

const RETRY_MS = 1000;

/** The filters of GET /v1/events a subscription starts with (API.md: after is a seq, since RFC 3339). */
export interface EventQuery {
  after?: number;
  since?: string;
  id?: string;
}

/** Where a subscription is: live (after a resumption, after which event), reconnecting, or failed for good (a 4xx). */
export type StreamState = { state: "live"; resumedAfter?: number } | { state: "reconnecting"; reason: string } | { state: "failed"; reason: string };

export interface EventHandlers {
  /** Each event, in sequence order. */
  event(event: Event): void;
  /** The stream (re)opened, or broke; `live` comes before the stored events of each connection. */
  state?(state: StreamState): void;
}

/** The query string of a first connection, or of a resumption after `lastSeq` (Last-Event-ID carries it then). */
export function eventsPath(query: EventQuery, resuming: boolean): string {
  const params = new URLSearchParams();
  if (!resuming && query.after !== undefined) params.set("after", String(query.after));
  if (!resuming && query.since) params.set("since", query.since);
  if (query.id) params.set("id", query.id);
  const text = params.toString();
  return `/v1/events${text ? `?${text}` : ""}`;
}

/** Opens the stream; `close` ends it for good. */
export function subscribe(query: EventQuery, handlers: EventHandlers): { close(): void } {
  const controller = new AbortController();
  let lastSeq: number | undefined;
  const run = async () => {
    while (!controller.signal.aborted) {
      let reason = "the stream ended";
      try {
        const resuming = lastSeq !== undefined;
        const res = await fetch(eventsPath(query, resuming), {
          headers: resuming ? { "Last-Event-ID": String(lastSeq) } : {},
          credentials: "same-origin",
          signal: controller.signal,
        });
        if (!res.ok || !res.body) throw await failure(res);
        handlers.state?.(resuming ? { state: "live", resumedAfter: lastSeq! } : { state: "live" });
        for await (const message of readSse(res.body)) {
          if (message.event === "error") {
            reason = (JSON.parse(message.data) as { error: { message: string } }).error.message;
            break;
          }
          const event = JSON.parse(message.data) as Event;
          lastSeq = event.seq;
          handlers.event(event);
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status < 500) {
          handlers.state?.({ state: "failed", reason: err.message });
          return;
        }
        reason = (err as Error).message;
      }
      if (controller.signal.aborted) return;
      handlers.state?.({ state: "reconnecting", reason });
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  void run();
  return { close: () => controller.abort() };
}
