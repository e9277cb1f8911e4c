/**
 * A terminal in the browser (xterm.js) on the attach WebSocket of one process: keystrokes go out as binary
 * frames, output comes back as binary frames, and the terminal's size follows the window (the fit addon measures
 * it; each change is sent as a `{"resize":{"width","height"}}` text frame). A process without a terminal can be
 * attached too: its output is shown and typed input goes to its stdin, but there is nothing to resize.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { api } from "./api.ts";
import { h, replace, type View } from "./dom.ts";
import { href } from "./router.ts";

/** The terminal attached to process `pid` of container `id` (`#/containers/<id>/attach/<pid>`). */
export function terminalView(id: string, pid: string): View {
  const box = h("div", { class: "term-box", "data-attach": "connecting" });
  const status = h("span", { class: "pill connecting" }, "connecting");
  const command = h("span", { class: "mono muted" });
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    fontSize: 14,
    scrollback: 5000,
    theme: { background: "#10141c", foreground: "#e4e8f0", cursor: "#7aa2ff" },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  const encoder = new TextEncoder();
  let hasTerminal = false;

  const setStatus = (state: string, text: string) => {
    box.dataset.attach = state;
    status.className = `pill ${state}`;
    status.textContent = text;
  };
  const ws = new WebSocket(api.attachUrl(id, pid));
  ws.binaryType = "arraybuffer";
  const sendSize = () => {
    if (hasTerminal && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ resize: { width: term.cols, height: term.rows } }));
  };
  ws.onopen = () => {
    setStatus("live", "attached");
    sendSize();
    term.focus();
  };
  ws.onmessage = (e) => {
    if (e.data instanceof ArrayBuffer) return term.write(new Uint8Array(e.data));
    try {
      setStatus("failed", (JSON.parse(e.data as string) as { error: { message: string } }).error.message);
    } catch {
      setStatus("failed", String(e.data).slice(0, 200));
    }
  };
  ws.onclose = (e) => {
    setStatus("closed", `detached: ${e.reason || `closed (${e.code})`}`);
    term.options.disableStdin = true;
  };
  term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
  term.onBinary((data) => ws.readyState === WebSocket.OPEN && ws.send(Uint8Array.from(data, (ch) => ch.charCodeAt(0))));
  term.onResize(sendSize);
  void api.process(id, pid).then((p) => {
    hasTerminal = p.terminal;
    replace(command, p.args.join(" "), p.terminal ? "" : " (no terminal: input goes to its stdin)");
    sendSize();
  }, (err: Error) => setStatus("failed", err.message));

  // The terminal measures its box, so it opens once the router has put the view in the page.
  const observer = new ResizeObserver(() => fit.fit());
  requestAnimationFrame(() => {
    term.open(box);
    fit.fit();
    observer.observe(box);
  });

  const el = h("section", { class: "view terminal-view" },
    h("div", { class: "toolbar" },
      h("a", { href: href({ view: "container", id }), class: "back" }, `← ${id}`),
      h("h1", { class: "mono" }, pid), command, h("span", { class: "spacer" }), status),
    box);
  return {
    el,
    dispose: () => {
      observer.disconnect();
      ws.close(1000, "the dashboard left the terminal");
      term.dispose();
    },
  };
}
