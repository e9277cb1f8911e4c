/**
 * The dashboard's views by URL fragment, so a view can be bookmarked and the server sees one page:
 * `#/` containers, `#/containers/<id>` one container, `#/containers/<id>/attach/<pid>` a terminal,
 * `#/events?after=&since=&id=` the timeline, `#/host` the host panel.
 */
/** One view and what it shows. */
export type Route =
  | { view: "containers" }
  | { view: "container"; id: string }
  | { view: "terminal"; id: string; pid: string }
  | { view: "events"; after?: number; since?: string; id?: string }
  | { view: "host" };

/** The route of a location hash ("#/containers/c1"); anything unknown is the containers table. */
export function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "containers" && parts[1] !== undefined) {
    if (parts[2] === "attach" && parts[3] !== undefined) return { view: "terminal", id: parts[1], pid: parts[3] };
    return { view: "container", id: parts[1] };
  }
  if (parts[0] === "host") return { view: "host" };
  if (parts[0] === "events") {
    const q = new URLSearchParams(search);
    const after = Number(q.get("after") ?? "");
    return {
      view: "events",
      ...(q.get("after") && Number.isInteger(after) && after >= 0 ? { after } : {}),
      ...(q.get("since") ? { since: q.get("since")! } : {}),
      ...(q.get("id") ? { id: q.get("id")! } : {}),
    };
  }
  return { view: "containers" };
}

/** The hash of a route, the inverse of parseRoute. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.view) {
    case "containers":
      return "#/";
    case "container":
      return `#/containers/${e(route.id)}`;
    case "terminal":
      return `#/containers/${e(route.id)}/attach/${e(route.pid)}`;
    case "host":
      return "#/host";
    case "events": {
      const q = new URLSearchParams();
      if (route.after !== undefined) q.set("after", String(route.after));
      if (route.since) q.set("since", route.since);
      if (route.id) q.set("id", route.id);
      const text = q.toString();
      return `#/events${text ? `?${text}` : ""}`;
    }
  }
}
