import { expect, test } from "bun:test";
import { href, parseRoute, type Route } from "./router.ts";

test("each route survives href and parseRoute", () => {
  const routes: Route[] = [
    { view: "containers" },
    { view: "container", id: "web.1_a-b" },
    { view: "terminal", id: "web1", pid: "ui-sh-x1" },
    { view: "events" },
    { view: "events", after: 42, since: "2026-11-29T20:00:00.5Z", id: "web1" },
    { view: "host" },
  ];
  for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
});

test("unknown or malformed fragments fall back to the containers table or drop the bad filter", () => {
  expect(parseRoute("")).toEqual({ view: "containers" });
  expect(parseRoute("#/nope")).toEqual({ view: "containers" });
  expect(parseRoute("#/containers")).toEqual({ view: "containers" });
  expect(parseRoute("#/events?after=-1&id=")).toEqual({ view: "events" });
  expect(parseRoute("#/events?after=1.5")).toEqual({ view: "events" });
  expect(parseRoute("#/containers/c1/attach")).toEqual({ view: "container", id: "c1" });
});
