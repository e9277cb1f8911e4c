/**
 * The dashboard's entry: the page frame (header, navigation), the router that opens one view at a time and
 * disposes the previous one (closing its streams, samplers and sockets), and the login gate: any 401 from berthd
 * shows the login form, and the view opens again once the user is in.
 */
import { api, onUnauthenticated } from "./api.ts";
import { containerView } from "./container.ts";
import { containersView } from "./containers.ts";
import { h, replace, toast, type View } from "./dom.ts";
import { hostView } from "./host.ts";
import { loginForm } from "./login.ts";
import { href, parseRoute, type Route } from "./router.ts";
import { terminalView } from "./terminal.ts";
import { timelineView } from "./timeline.ts";

const main = h("main");
const version = h("span", { class: "muted version" });
const nav = (view: Route["view"], label: string, to: string) => h("a", { href: to, "data-nav": view }, label);
const header = h("header", {},
  h("a", { class: "brand", href: href({ view: "containers" }) }, "Berth"),
  h("nav", {},
    nav("containers", "Containers", href({ view: "containers" })),
    nav("events", "Events", href({ view: "events" })),
    nav("host", "Host", href({ view: "host" }))),
  h("span", { class: "spacer" }), version,
  h("button", { type: "button", class: "small secondary", id: "logout", onclick: () => void logout() }, "Log out"));
document.body.append(header, main);

let current: View | undefined;
let loggingIn = false;

function open(): void {
  current?.dispose();
  const route = parseRoute(location.hash);
  current = route.view === "container" ? containerView(route.id)
    : route.view === "terminal" ? terminalView(route.id, route.pid)
    : route.view === "events" ? timelineView(route)
    : route.view === "host" ? hostView()
    : containersView();
  const section = route.view === "container" || route.view === "terminal" ? "containers" : route.view;
  for (const a of header.querySelectorAll<HTMLElement>("[data-nav]")) a.classList.toggle("active", a.dataset.nav === section);
  replace(main, current.el);
}

async function start(): Promise<void> {
  try {
    const v = await api.version();
    version.textContent = `berthd ${v.version} · ${v.runtime}`;
    loggingIn = false;
    document.body.classList.remove("logged-out");
    open();
  } catch (err) {
    if (!loggingIn) toast(`cannot reach berthd: ${(err as Error).message}`, "error");
  }
}

onUnauthenticated(() => {
  if (loggingIn) return;
  loggingIn = true;
  current?.dispose();
  current = undefined;
  document.body.classList.add("logged-out");
  replace(main, loginForm(() => void start()));
});

async function logout(): Promise<void> {
  await api.logout().catch(() => {});
  location.reload();
}

window.addEventListener("hashchange", () => {
  if (!loggingIn) open();
});
void start();
