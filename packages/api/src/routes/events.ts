/** The event stream (Server-Sent Events): stored events by after/since/Last-Event-ID, then live ones. */
import { Elysia } from "elysia";
import { BerthError, EventsQuery, parseRfc3339Ns, quote } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { eventStream } from "../sse.ts";

export function eventRoutes(supervisor: Supervisor) {
  return new Elysia({ name: "events" })
    .get("/v1/events", ({ query, headers }) => {
      const lastEventId = headers["last-event-id"];
      const after = query.after ?? (lastEventId === undefined ? undefined : Number(lastEventId));
      if (after !== undefined && !Number.isInteger(after)) throw new BerthError("invalid_argument", "Last-Event-ID must be a sequence number");
      if (query.storedOnly && after === undefined && query.since === undefined) {
        throw new BerthError("invalid_argument", "storedOnly needs since, after or Last-Event-ID");
      }
      if (query.since !== undefined && parseRfc3339Ns(query.since) === undefined) {
        throw new BerthError("invalid_argument", `since ${quote(query.since)} is not an RFC 3339 time`);
      }
      return new Response(eventStream(supervisor.events.subscribe({ ...query, after })), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }, {
      query: EventsQuery,
      detail: {
        summary: "Event stream (Server-Sent Events): stored events, then live ones unless storedOnly",
        tags: ["events"],
        responses: { 200: { description: "text/event-stream of Event", content: { "text/event-stream": { schema: { type: "string" } } } } },
      },
    });
}
