/**
 * A process's captured output (`GET …/processes/{pid}/logs`): the last TAIL lines, then, while `Follow` is on,
 * what it writes next, streamed. `Search` shows only the lines that contain the text (case-insensitive) and marks
 * it. At most KEEP lines are kept in the page; terminal escapes are dropped for display.
 */
import { api } from "./api.ts";
import { h, replace } from "./dom.ts";
import { plainText } from "./format.ts";

const TAIL = 500;
const KEEP = 5000;

/** The lines of `lines` that contain `search` (any case), each split around its matches for marking. */
export function matchLines(lines: string[], search: string): { line: string; parts: { text: string; match: boolean }[] }[] {
  const needle = search.toLowerCase();
  const out = [];
  for (const line of lines) {
    if (!needle) {
      out.push({ line, parts: [{ text: line, match: false }] });
      continue;
    }
    const lower = line.toLowerCase();
    if (!lower.includes(needle)) continue;
    const parts: { text: string; match: boolean }[] = [];
    for (let at = 0; at < line.length; ) {
      const found = lower.indexOf(needle, at);
      if (found < 0) {
        parts.push({ text: line.slice(at), match: false });
        break;
      }
      if (found > at) parts.push({ text: line.slice(at, found), match: false });
      parts.push({ text: line.slice(found, found + needle.length), match: true });
      at = found + needle.length;
    }
    out.push({ line, parts });
  }
  return out;
}

/** The logs card of a container's page: a process to choose, Follow, Search, and the output. */
export class LogsPanel {
  readonly el: HTMLElement;
  private readonly output = h("pre", { class: "logs", "data-logs": "" });
  private readonly status = h("span", { class: "muted" });
  private readonly select = h("select", { "aria-label": "Process", onchange: () => this.open() });
  private readonly follow = h("input", { type: "checkbox", checked: true, onchange: () => this.open() });
  private readonly search = h("input", { type: "search", placeholder: "Search", "aria-label": "Search the logs", oninput: () => this.render() });
  private lines: string[] = [];
  private partial = "";
  private controller: AbortController | undefined;
  private pending = false;

  constructor(private readonly id: string) {
    this.el = h("div", { class: "logs-panel" },
      h("div", { class: "toolbar" }, this.select, h("label", { class: "check" }, this.follow, "Follow"), this.search, h("span", { class: "spacer" }), this.status),
      this.output);
  }

  /** Lists the container's processes to choose from; opens the first one the first time. */
  setProcesses(pids: string[]): void {
    const current = this.select.value;
    replace(this.select, pids.map((pid) => h("option", { value: pid, selected: pid === current }, pid)));
    if (!current && pids.length) this.open();
  }

  /** Shows process `pid`'s output. */
  show(pid: string): void {
    this.select.value = pid;
    this.open();
  }

  private open(): void {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const pid = this.select.value;
    this.lines = [];
    this.partial = "";
    this.render();
    if (!pid) return;
    this.status.textContent = "reading…";
    void (async () => {
      try {
        const res = await api.logs(this.id, pid, TAIL, this.follow.checked, controller.signal);
        this.status.textContent = this.follow.checked ? "following" : "";
        const decoder = new TextDecoder();
        for await (const chunk of res.body!) this.add(decoder.decode(chunk, { stream: true }));
        this.add(decoder.decode());
        if (this.partial) (this.lines.push(this.partial), (this.partial = ""));
        this.status.textContent = this.follow.checked ? "output ended" : "";
      } catch (err) {
        if (!controller.signal.aborted) this.status.textContent = (err as Error).message;
      }
      this.schedule();
    })();
  }

  private add(text: string): void {
    const parts = plainText(this.partial + text).split("\n");
    this.partial = parts.pop()!;
    this.lines.push(...parts);
    if (this.lines.length > KEEP) this.lines.splice(0, this.lines.length - KEEP);
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => ((this.pending = false), this.render()));
  }

  private render(): void {
    const atBottom = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 4;
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    const shown = matchLines(all, this.search.value);
    replace(this.output, shown.map((l) => h("div", {}, l.parts.map((p) => (p.match ? h("mark", {}, p.text) : p.text)))));
    this.output.dataset.lines = String(shown.length);
    if (this.search.value) this.status.textContent = `${shown.length} of ${all.length} lines match`;
    if (atBottom) this.output.scrollTop = this.output.scrollHeight;
  }

  dispose(): void {
    this.controller?.abort();
  }
}
