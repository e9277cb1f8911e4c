/**
 * Attaching the CLI's stdio to a process, until its output ends or the user detaches; then the process's exit
 * status (POST .../wait) becomes the CLI's.
 *
 * Output comes from the attach WebSocket: what the process writes from now on. For a process the CLI has just
 * started (`--attach`), it comes from the captured log followed from its start instead, so nothing written before
 * the socket was up is lost; input does not wait for that log's first bytes (berthd answers a follow only once
 * there is output, and a process such as `cat` writes nothing before it reads). Input goes over the socket when
 * the process can read it (a terminal, or a stdin FIFO). With a terminal, the CLI's terminal is in raw mode, its size is sent at once (a shell redraws its
 * prompt) and on every SIGWINCH as a text frame {"resize":…}, and Ctrl-P Ctrl-Q detaches, leaving it running.
 */
import { type AttachControl, BerthError, type Process } from "@berth/protocol";
import type { BerthClient } from "./client.ts";
import { DetachKeys } from "./detach.ts";
import { write } from "./output.ts";
import { waiting } from "./progress.ts";
import { enterRawMode, onResize, type Size, terminalSize } from "./terminal.ts";

export interface AttachOptions {
  id: string;
  process: Process;
  /** Follow the captured output from the process's start (for a process just started). */
  fromStart: boolean;
  /** Send the CLI's stdin to the process when it can read it (default true); false for `run -t` without `-i`. */
  input?: boolean;
  /** When the CLI's stdin ends (no terminal), close the process's stdin too, so it sees EOF (`run -i`). */
  closeStdinAtEof?: boolean;
}

type Outcome = "ended" | "detached";

export async function attach(client: BerthClient, options: AttachOptions): Promise<number> {
  const { id, process: proc, fromStart, input = true, closeStdinAtEof = false } = options;
  const { pid, terminal } = proc;
  const stopLog = new AbortController();
  // The shim captures output (into the log) when the process was given no stdout path.
  const log = fromStart && proc.stdout === "" ? client.logs(id, pid, { follow: true }, stopLog.signal) : undefined;
  const takesInput = input && (terminal || proc.stdin !== "");
  // Without a terminal, output going to the client's own paths is not seen by the shim: there is nothing to show.
  const socketOutput = !log && (terminal || proc.stdout === "");
  const socket = takesInput || socketOutput ? await openSocket(client, id, pid) : undefined;
  const cleanups: (() => void)[] = [];
  let printed = Promise.resolve();
  const print = (chunk: Uint8Array) => void (printed = printed.then(() => write(chunk)));
  let outcome: Outcome;
  try {
    const ends: Promise<Outcome>[] = [];
    if (log) ends.push(log.then((stream) => pump(stream, print)));
    if (socket) {
      const closed = watchSocket(socket, socketOutput ? print : undefined);
      if (socketOutput) ends.push(closed);
      else closed.catch(() => {}); // input only: the log says when output ends
      if (terminal) cleanups.push(forwardSize(socket));
      if (takesInput) ends.push(forwardInput(socket, terminal, cleanups, closeStdinAtEof && !terminal));
    }
    // Output the shim does not see (the client's own paths, no terminal): only the exit ends the session.
    if (!log && !socketOutput) ends.push(client.wait(id, pid).then(() => "ended" as const));
    outcome = await Promise.race(ends);
    await printed;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    socket?.close(1000, "client done");
    stopLog.abort();
    log?.catch(() => {}); // aborted, or refused after the session ended another way
  }
  if (outcome === "detached") {
    process.stderr.write(`\nberth: detached from process ${pid} of container ${id}; it keeps running\n`);
    return 0;
  }
  const { status } = await waiting(`waiting for process ${pid} of container ${id} to exit`, client.wait(id, pid));
  return status;
}

async function pump(stream: ReadableStream<Uint8Array>, print: (chunk: Uint8Array) => void): Promise<Outcome> {
  for await (const chunk of stream) print(chunk);
  return "ended";
}

function openSocket(client: BerthClient, id: string, pid: string): Promise<WebSocket> {
  const ws = client.attach(id, pid);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new BerthError("unavailable", `attach to process ${pid} of container ${id}: the WebSocket was refused`));
  });
}

/** Prints output frames (when asked) and an error frame once; resolves when the socket closes, rejects on an error close. */
function watchSocket(ws: WebSocket, print: ((chunk: Uint8Array) => void) | undefined): Promise<Outcome> {
  let warned = false;
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") return print?.(new Uint8Array(e.data as ArrayBuffer));
    if (warned) return;
    warned = true;
    const message = (JSON.parse(e.data) as { error?: { message?: string } }).error?.message ?? e.data;
    process.stderr.write(`berth: attach: ${message}\r\n`);
  };
  return new Promise((resolve, reject) => {
    ws.onclose = (e) => {
      if (e.code === 1000 || e.code === 1005) resolve("ended");
      else reject(new BerthError("unavailable", `attach: ${e.reason || `the connection closed (${e.code})`}`));
    };
  });
}

function forwardSize(ws: WebSocket): () => void {
  const send = (resize: Size) => {
    const control: AttachControl = { resize };
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(control));
  };
  const size = terminalSize();
  if (size) send(size);
  return onResize(send);
}

/**
 * Sends stdin to the process (raw, with detach keys, for a terminal); resolves "detached" on Ctrl-P Ctrl-Q. With
 * `closeAtEof`, the end of stdin closes the process's stdin, on the same socket so it follows the last input.
 */
function forwardInput(ws: WebSocket, terminal: boolean, cleanups: (() => void)[], closeAtEof = false): Promise<Outcome> {
  const keys = terminal ? new DetachKeys() : undefined;
  if (terminal) cleanups.push(enterRawMode());
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      const { forward, detach } = keys ? keys.feed(chunk) : { forward: new Uint8Array(chunk), detach: false };
      if (forward.length && ws.readyState === WebSocket.OPEN) ws.send(forward);
      if (detach) resolve("detached");
    };
    const onEnd = () => {
      const control: AttachControl = { closeStdin: true };
      if (closeAtEof && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(control));
    };
    process.stdin.on("data", onData);
    process.stdin.on("end", onEnd);
    cleanups.push(() => {
      process.stdin.off("data", onData);
      process.stdin.off("end", onEnd);
      process.stdin.pause();
    });
  });
}
