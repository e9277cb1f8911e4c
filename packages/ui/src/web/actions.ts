/**
 * What a user can do to a container, as buttons with their forms: pause, resume, signal, exec (a command, or a
 * shell in a terminal that opens the attach view), delete (with force for a running one), and start a container
 * from an image, a root filesystem or a bundle. Each calls one API route; a failure is shown with the API's own
 * message. The views learn of the outcome from the event stream, except for a delete, which has no event: it is
 * announced with `changed`.
 */
import type { CreateContainer } from "@berth/protocol";
import { api, type ContainerInfo } from "./api.ts";
import { dialog, h, toast } from "./dom.ts";
import { SIGNALS } from "./format.ts";
import { href } from "./router.ts";

const CHANGED = "berth-container-changed";

/**
 * Tells the open view that container `id` changed in a way no event reports (a delete has none), so it reads the
 * container again.
 */
export function changed(id: string): void {
  document.dispatchEvent(new CustomEvent(CHANGED, { detail: id }));
}

/** Calls `handler` with the id of each container an action changed without an event; the result removes it. */
export function onChanged(handler: (id: string) => void): () => void {
  const listener = (e: Event) => handler((e as CustomEvent<string>).detail);
  document.addEventListener(CHANGED, listener);
  return () => document.removeEventListener(CHANGED, listener);
}

/** Runs `action`, showing its error, if any, as a toast; true when it succeeded. */
export async function attempt(what: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    toast(`${what}: ${(err as Error).message}`, "error");
    return false;
  }
}

/** A new exec id for a process the dashboard starts ("ui-sh-k3x9"). */
export function execId(prefix: string): string {
  return `ui-${prefix}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Sends a signal chosen in a form to a process of the container (init by default). */
export async function signal(id: string, pid = "init"): Promise<void> {
  const form = await dialog(`Signal a process of ${id}`, [
    { name: "signal", label: "Signal (name or number)", value: "SIGTERM", list: SIGNALS.filter(Boolean), required: true },
    { name: "pid", label: 'Process ("init" or an exec id)', value: pid, required: true },
  ], "Send");
  if (!form) return;
  const sig = /^\d+$/.test(form.signal!) ? Number(form.signal) : form.signal!;
  if (await attempt(`signal ${id}`, () => api.signal(id, { pid: form.pid!, signal: sig }))) toast(`sent ${form.signal} to ${id}/${form.pid}`);
}

/** Runs a command in the container (through sh -c); with a terminal, opens it in the attach view. */
export async function exec(id: string): Promise<void> {
  const form = await dialog(`Run a command in ${id}`, [
    { name: "command", label: "Command (run by sh -c)", placeholder: "ps; echo done", required: true },
    { name: "pid", label: "Exec id", value: execId("exec"), required: true },
    { name: "terminal", label: "With a terminal (opens it)", type: "checkbox" },
  ], "Run");
  if (!form) return;
  const terminal = form.terminal === "true";
  const ok = await attempt(`exec in ${id}`, () => api.exec(id, { pid: form.pid!, args: ["sh", "-c", form.command!], terminal }));
  if (ok && terminal) location.hash = href({ view: "terminal", id, pid: form.pid! });
  else if (ok) toast(`${form.pid} runs in ${id}; its output is in the logs`);
}

/** Starts `sh` with a terminal in the container and opens it. */
export async function shell(id: string): Promise<void> {
  const pid = execId("sh");
  if (await attempt(`shell in ${id}`, () => api.exec(id, { pid, args: ["sh"], terminal: true }))) {
    location.hash = href({ view: "terminal", id, pid });
  }
}

/** Deletes the container after a confirmation; a running or paused one needs force (SIGKILL, then removal). */
export async function remove(c: ContainerInfo): Promise<boolean> {
  const live = c.status !== "stopped";
  const form = await dialog(`Delete ${c.id}?`, [
    { name: "force", label: live ? "Force: kill it (SIGKILL) and remove it" : "Force", type: "checkbox", checked: live },
  ], "Delete", true);
  if (!form) return false;
  const removed = await attempt(`delete ${c.id}`, () => api.remove(c.id, form.force === "true"));
  if (removed) changed(c.id);
  return removed;
}

const SOURCES = ["image", "rootfs", "bundlePath"] as const;
const RESTART = ["no", "on-failure", "always", "unless-stopped"] as const;

/**
 * The create request of the Start form's values: the container comes from an image (as skopeo names it), a root
 * filesystem or a bundle (`from` says which, `source` is its name or path); the command (split at spaces), the
 * terminal and a read-only root apply to an image or a rootfs; labels are comma-separated. berthd checks the rest
 * (400 with its own words).
 */
export function createRequest(values: Record<string, string>): CreateContainer {
  const from = SOURCES.find((s) => s === values.from) ?? "image";
  const args = (values.command ?? "").trim().split(/\s+/).filter(Boolean);
  const labels = (values.labels ?? "").split(",").map((l) => l.trim()).filter(Boolean);
  const policy = RESTART.find((r) => r === values.restart) ?? "no";
  const process = {
    ...(args.length ? { args } : {}),
    ...(values.terminal === "true" ? { terminal: true } : {}),
  };
  return {
    id: (values.id ?? "").trim(),
    [from]: (values.source ?? "").trim(),
    ...(Object.keys(process).length ? { process } : {}),
    ...(values.readonly === "true" ? { readonlyRootfs: true } : {}),
    ...(labels.length ? { labels } : {}),
    ...(policy === "no" ? {} : { restart: { policy } }),
  };
}

/** Starts a container from an image, a root filesystem or a bundle, as `berth run` does. */
export async function create(): Promise<void> {
  const form = await dialog("Start a container", [
    { name: "id", label: "Id", required: true, placeholder: "web1" },
    { name: "from", label: "From", type: "select", options: [...SOURCES], value: "image" },
    { name: "source", label: "Image (oci:/layout:tag, docker-archive:/file.tar), rootfs directory or bundle path", required: true, placeholder: "oci:/srv/images/web:1" },
    { name: "command", label: "Command (image or rootfs; words separated by spaces)", placeholder: "httpd -f -p 8080" },
    { name: "terminal", label: "With a terminal", type: "checkbox" },
    { name: "readonly", label: "Read-only root (image or rootfs)", type: "checkbox" },
    { name: "restart", label: "Restart", type: "select", options: [...RESTART], value: "no" },
    { name: "labels", label: "Labels (comma-separated)", placeholder: "app=web, tier=front" },
  ], "Start");
  if (!form) return;
  const request = createRequest(form);
  if (await attempt(`start ${request.id}`, () => api.create(request))) toast(`${request.id} runs`);
}

/** The buttons that fit the container's status; `compact` leaves out those the table has no room for. */
export function actionButtons(c: ContainerInfo, compact = false): HTMLElement[] {
  const button = (action: string, label: string, run: () => unknown, cls = "secondary") =>
    h("button", { type: "button", class: `small ${cls}`, "data-action": action, title: `${label} ${c.id}`, onclick: (e: Event) => (e.stopPropagation(), void run()) }, label);
  const buttons: HTMLElement[] = [];
  if (c.status === "running") buttons.push(button("pause", "Pause", () => attempt(`pause ${c.id}`, () => api.patch(c.id, { status: "paused" }))));
  if (c.status === "paused") buttons.push(button("resume", "Resume", () => attempt(`resume ${c.id}`, () => api.patch(c.id, { status: "running" }))));
  if (c.status !== "stopped") {
    buttons.push(button("signal", "Signal", () => signal(c.id)));
    if (c.status === "running") {
      buttons.push(button("exec", "Exec", () => exec(c.id)));
      if (!compact) buttons.push(button("shell", "Shell", () => shell(c.id)));
    }
  }
  buttons.push(button("delete", "Delete", () => remove(c), "danger"));
  return buttons;
}
