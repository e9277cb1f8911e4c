/**
 * Line-JSON RPC between berthd and a shim over a unix socket.
 *
 * Wire format: one JSON object per line, UTF-8, "\n"-terminated, in both directions.
 *   request       {"id": 7, "method": "start", "params": {...}}
 *   response      {"id": 7, "result": {...}}  or  {"id": 7, "error": {"code": "runtime_error", "message": "..."}}
 *   notification  {"notify": "exit", "params": {...}}          (server to client, no id, no reply)
 * Requests on one connection may be answered out of order; the id pairs them. Errors travel as BerthError
 * (code + flattened message), so a runc failure inside a shim reaches the API with its code and runc's words.
 * A line longer than MAX_LINE_BYTES closes the connection (a peer that never sends "\n" must not grow memory);
 * a line that is not JSON is answered with an error (server) or logged and dropped (client).
 */
import type { Socket, TCPSocketListener, UnixSocketListener } from "bun";
import { BerthError, isErrorCode } from "./errors.ts";

type Json = Record<string, unknown>;

/** The longest line either side accepts, in bytes: attach output is chunked well below it. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** Handles one request; `conn` is the connection it came on (for subscriptions that notify it later). */
export type RpcHandler = (method: string, params: Json, conn?: RpcConnection) => unknown | Promise<unknown>;

/**
 * Splits a byte stream into lines in O(n), also for lines that arrive over many chunks. A line that grows past
 * `maxLine` characters calls `onOverflow` and is dropped.
 */
export function lineSplitter(onLine: (line: string) => void, onOverflow: () => void = () => {}, maxLine = MAX_LINE_BYTES): (chunk: Uint8Array) => void {
  const decoder = new TextDecoder();
  let pending = "";
  return (chunk) => {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const line = pending + text.slice(start, nl);
      pending = "";
      start = nl + 1;
      if (line) onLine(line);
    }
    pending += text.slice(start);
    if (pending.length > maxLine) {
      pending = "";
      onOverflow();
    }
  };
}

/** Queues writes so a partial socket.write() never loses bytes; `drain` resumes on the socket's drain event. */
class LineWriter {
  private readonly queue: Uint8Array[] = [];
  private readonly encoder = new TextEncoder();
  constructor(private readonly socket: Socket<unknown>) {}

  send(message: unknown): void {
    this.queue.push(this.encoder.encode(JSON.stringify(message) + "\n"));
    if (this.queue.length === 1) this.drain();
  }

  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n === head.length) this.queue.shift();
      else {
        this.queue[0] = head.subarray(Math.max(n, 0));
        return;
      }
    }
  }
}

function errorPayload(err: unknown): { code: string; message: string } {
  if (err instanceof BerthError) return { code: err.code, message: err.message };
  return { code: "internal", message: err instanceof Error ? err.message : String(err) };
}

export interface RpcConnection {
  notify(event: string, params: Json): void;
}

/** Serves RPC on a unix socket path. */
export function serveRpc(path: string, handler: RpcHandler, onConnection?: (conn: RpcConnection) => () => void) {
  type Data = { writer: LineWriter; conn: RpcConnection; onData: (c: Uint8Array) => void; closed?: () => void };
  const listener: UnixSocketListener<Data> | TCPSocketListener<Data> = Bun.listen<Data>({
    unix: path,
    socket: {
      open(socket) {
        const writer = new LineWriter(socket as Socket<unknown>);
        const conn: RpcConnection = { notify: (event, params) => writer.send({ notify: event, params }) };
        const onData = lineSplitter(async (line) => {
          let msg: { id?: unknown; method?: unknown; params?: unknown };
          try {
            msg = JSON.parse(line);
          } catch {
            writer.send({ id: null, error: { code: "invalid_argument", message: "malformed json" } });
            return;
          }
          try {
            const result = await handler(String(msg.method), (msg.params ?? {}) as Json, conn);
            writer.send({ id: msg.id, result: result ?? {} });
          } catch (err) {
            writer.send({ id: msg.id, error: errorPayload(err) });
          }
        }, () => socket.end());
        socket.data = { writer, conn, onData };
        if (onConnection) socket.data.closed = onConnection(conn);
      },
      data(socket, chunk) {
        socket.data.onData(chunk);
      },
      drain(socket) {
        socket.data.writer.drain();
      },
      close(socket) {
        socket.data.closed?.();
      },
      error(socket) {
        socket.data.closed?.();
      },
    },
  });
  return listener;
}

export interface RpcClient {
  /** Rejects with `timeout` after `timeoutMs` and forgets the call (a late answer is dropped). */
  call<T = Json>(method: string, params?: Json, timeoutMs?: number): Promise<T>;
  /** Resolves when the connection closes, for whatever reason. */
  readonly closed: Promise<void>;
  close(): void;
}

/** Connects to a unix socket (Bun reaches paths longer than sun_path's 107 bytes through /proc/self/fd itself). */
export async function connectRpc(path: string, onNotify: (event: string, params: Json) => void = () => {}): Promise<RpcClient> {
  let nextId = 1;
  let isClosed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: unknown) => void }>();
  const onData = lineSplitter((line) => {
    let msg: { id?: number; result?: unknown; error?: { code: string; message: string }; notify?: string; params?: Json };
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not ours to answer: a garbled line from the peer is dropped
    }
    if (msg.notify) return onNotify(msg.notify, msg.params ?? {});
    const pending = waiting.get(msg.id!);
    if (!pending) return;
    waiting.delete(msg.id!);
    if (msg.error) pending.reject(new BerthError(isErrorCode(msg.error.code) ? msg.error.code : "internal", msg.error.message));
    else pending.resolve(msg.result);
  }, () => socket.end());
  const markClosed = () => {
    if (isClosed) return;
    isClosed = true;
    for (const p of waiting.values()) p.reject(new BerthError("unavailable", "shim connection closed"));
    waiting.clear();
    resolveClosed();
  };
  let writer!: LineWriter;
  const socket = await Bun.connect({
    unix: path,
    socket: {
      data: (_s, chunk) => onData(chunk),
      drain: () => writer.drain(),
      close: markClosed,
      error: markClosed,
    },
  });
  writer = new LineWriter(socket as Socket<unknown>);
  return {
    call(method, params = {}, timeoutMs) {
      if (isClosed) return Promise.reject(new BerthError("unavailable", "shim connection closed"));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
          waiting.delete(id);
          reject(new BerthError("timeout", `shim did not answer ${method} within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle = <A>(f: (a: A) => void) => (a: A) => (clearTimeout(timer), f(a));
        waiting.set(id, { resolve: settle(resolve), reject: settle(reject) });
        writer.send({ id, method, params });
      });
    },
    closed,
    close: () => socket.end(),
  };
}
