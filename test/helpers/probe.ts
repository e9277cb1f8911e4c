/**
 * Probing berthd from outside, as a hostile or broken client would: raw HTTP/1.1 requests written byte for byte
 * (headers fetch would refuse to send), clients that stop reading, berthd's resident memory, and how fast
 * /healthz answers while something else goes on.
 */
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import type { Daemon } from "./daemon.ts";

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Where a raw request goes: berthd's unix socket, or its TCP port. */
function target(d: Daemon, via: "unix" | "tcp"): { path: string } | { host: string; port: number } {
  if (via === "unix") return { path: d.socket };
  const url = new URL(d.tcpUrl);
  return { host: url.hostname, port: Number(url.port) };
}

/** Sends `head` (request line and headers, without the blank line) and `body`, and reads the answer to its end. */
export function rawRequest(d: Daemon, via: "unix" | "tcp", head: string, body = ""): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(target(d, via));
    const chunks: Buffer[] = [];
    socket.on("connect", () => socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const [headText = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = headText.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
  });
}

/**
 * A client that sends a GET and stops reading after the first bytes of the answer: berthd's writes then meet a
 * full socket. `ready` resolves once berthd has answered (the handler has run); `close` hangs up.
 */
export function stalledReader(d: Daemon, path: string): { ready: Promise<void>; close: () => void } {
  const socket: Socket = connect({ path: d.socket });
  const ready = new Promise<void>((resolve, reject) => {
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: berth\r\n\r\n`));
    socket.once("data", () => {
      socket.pause();
      resolve();
    });
    socket.on("error", reject);
  });
  return { ready, close: () => socket.destroy() };
}

/** berthd's resident set size in bytes, from /proc. */
export function rssOf(d: Daemon): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${d.proc.pid}/status`, "utf8"));
  return Number(kb?.[1] ?? 0) * 1024;
}

/**
 * How long a GET /healthz takes, in ms: the fastest of up to three tries, stopping at the first under 100 ms, so a
 * scheduling hiccup of a loaded machine is not counted while a stalled berthd (every try slow) still is.
 */
export async function healthzMs(d: Daemon, timeoutMs = 5000): Promise<number> {
  const once = async () => {
    const started = performance.now();
    const res = await d.fetch("/healthz", { signal: AbortSignal.timeout(timeoutMs) });
    await res.text();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    return performance.now() - started;
  };
  let best = Infinity;
  for (let i = 0; i < 3 && best >= 100; i++) best = Math.min(best, await once());
  return best;
}
