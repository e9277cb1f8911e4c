/** `events`: the event stream as a table (TIME TYPE ID PID STATUS) or JSON lines, printed as events come. */
import { type EventsQuery, EventType } from "@berth/protocol";
import { integer, UsageError } from "../args.ts";
import { command, JSON_OPTION } from "../command.ts";
import { jsonLine, line } from "../output.ts";
import { parseSince } from "../units.ts";
import { eventsTable } from "../views.ts";

export const events = command({
  name: "events",
  summary: "Stream events: stored ones after --since or --after, then live ones",
  details: [
    "Without --since or --after only live events are shown. --stored-only ends after the stored events.",
    "Event types: start-container, start-process, exit (PID and STATUS set), oom, pause, resume, update, checkpoint.",
  ].join("\n"),
  options: {
    since: { type: "string", arg: "TIME", help: "stored events after this RFC 3339 time, or this long ago: 90s, 10m, 2h, 1d" },
    after: { type: "string", arg: "SEQ", help: "stored events with a sequence number above SEQ (0: all)" },
    id: { type: "string", arg: "ID", help: "only this container's events" },
    type: { type: "string", multiple: true, arg: "TYPE", help: "only events of this type, e.g. exit" },
    "stored-only": { type: "boolean", help: "stop after the stored events instead of following" },
    ...JSON_OPTION,
  },
  async run({ client }, values) {
    if (values.since !== undefined && values.after !== undefined) throw new UsageError("--since and --after do not go together");
    if (values["stored-only"] && values.since === undefined && values.after === undefined) throw new UsageError("--stored-only needs --since or --after");
    const query: EventsQuery = {};
    if (values.since !== undefined) query.since = parseSince(values.since);
    if (values.after !== undefined) query.after = integer("after", values.after);
    if (values.id !== undefined) query.id = values.id;
    if (values["stored-only"]) query.storedOnly = true;
    const types = new Set<string>(values.type ?? []);
    const known = EventType.anyOf.map((t) => t.const);
    for (const t of types) if (!known.includes(t as never)) throw new UsageError(`--type takes one of ${known.join(", ")}, not ${JSON.stringify(t)}`);
    const view = eventsTable();
    if (!values.json) await line(view.header);
    for await (const event of client.events(query)) {
      if (types.size && !types.has(event.type)) continue;
      await (values.json ? jsonLine(event) : line(view.row(event)));
    }
  },
});
