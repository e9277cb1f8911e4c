import { expect, test } from "bun:test";
import { eventsPath } from "./events.ts";

test("the first connection carries after/since/id; a resumption only the id (Last-Event-ID carries the rest)", () => {
  expect(eventsPath({}, false)).toBe("/v1/events");
  expect(eventsPath({ after: 0, id: "c1" }, false)).toBe("/v1/events?after=0&id=c1");
  expect(eventsPath({ since: "2026-11-29T20:00:00Z" }, false)).toBe("/v1/events?since=2026-11-29T20%3A00%3A00Z");
  expect(eventsPath({ after: 7, since: "2026-11-29T20:00:00Z", id: "c1" }, true)).toBe("/v1/events?id=c1");
  expect(eventsPath({ after: 7 }, true)).toBe("/v1/events");
});
