import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BerthError } from "./errors.ts";
import { connectRpc, lineSplitter, type RpcConnection, type RpcHandler, serveRpc } from "./rpc.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = mkdtempSync("/tmp/berth-rpc-");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolvable from outside, for handlers that must wait until the test lets them go. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

interface Served {
  path: string;
  stop: () => void;
  connections: RpcConnection[];
  /** How many times each connection's cleanup ran, by connection index. */
  cleanups: number[];
}

const handler: RpcHandler = async (method, params) => {
  switch (method) {
    case "echo":
      return params;
    case "nothing":
      return undefined;
    case "missing":
      throw new BerthError("not_found", "no process \"x\" in this container");
    case "crash":
      throw new Error("disk on fire");
    case "wait":
      return new Promise(() => {}); // never answers
    default:
      throw new BerthError("invalid_argument", `unknown method ${method}`);
  }
};

function serve(path: string, h: RpcHandler = handler, cwd?: string): Served {
  const served: Served = { path, stop: () => {}, connections: [], cleanups: [] };
  const onConnection = (conn: RpcConnection) => {
    const i = served.connections.push(conn) - 1;
    served.cleanups[i] = 0;
    return () => void served.cleanups[i]!++;
  };
  const previous = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const listener = serveRpc(path, h, onConnection);
    served.stop = () => listener.stop(true);
  } finally {
    process.chdir(previous);
  }
  cleanups.push(() => served.stop());
  return served;
}

describe("serveRpc and connectRpc", () => {
  test("calls get their results, paired by id even when answered out of order", async () => {
    const slow = gate<unknown>();
    const s = serve(join(tempDir(), "shim.sock"), (method, params) =>
      method === "slow" ? slow.promise : handler(method, params));
    const client = await connectRpc(s.path);
    cleanups.push(() => client.close());
    const first = client.call("slow");
    expect(await client.call("echo", { a: 1, nested: { b: [true, null] } })).toEqual({ a: 1, nested: { b: [true, null] } });
    expect(await client.call("nothing")).toEqual({});
    slow.open({ done: "late" });
    expect(await first).toEqual({ done: "late" });
  });

  test("a socket path longer than sun_path works: bound relative to the cwd, reached through /proc/self/fd", async () => {
    const dir = join(tempDir(), "c".repeat(60), "d".repeat(60));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "shim.sock");
    expect(Buffer.byteLength(path)).toBeGreaterThan(107);
    const s = serve("shim.sock", handler, dir);
    const before = process.cwd();
    const client = await connectRpc(path);
    cleanups.push(() => client.close());
    expect(process.cwd()).toBe(before);
    expect(await client.call("echo", { over: "long path" })).toEqual({ over: "long path" });
    // The directory fd used to reach it is closed again.
    const dirFds = readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === dir;
      } catch {
        return false;
      }
    });
    expect(dirFds).toEqual([]);
    expect(s.connections.length).toBe(1);
  });

  test("a BerthError thrown by a handler reaches the caller with its code and message; other errors are internal", async () => {
    const s = serve(join(tempDir(), "shim.sock"));
    const client = await connectRpc(s.path);
    cleanups.push(() => client.close());
    const missing = await client.call("missing").catch((e) => e);
    expect(missing).toBeInstanceOf(BerthError);
    expect(missing).toMatchObject({ code: "not_found", message: "no process \"x\" in this container" });
    expect(missing.status).toBe(404);
    const crash = await client.call("crash").catch((e) => e);
    expect(crash).toBeInstanceOf(BerthError);
    expect(crash).toMatchObject({ code: "internal", message: "disk on fire" });
    // The connection is still usable after errors.
    expect(await client.call("echo", { ok: true })).toEqual({ ok: true });
  });

  test("notifications from the server reach onNotify", async () => {
    const s = serve(join(tempDir(), "shim.sock"));
    const got = gate<[string, Record<string, unknown>]>();
    const client = await connectRpc(s.path, (event, params) => got.open([event, params]));
    cleanups.push(() => client.close());
    await client.call("echo"); // the server has accepted the connection by now
    expect(s.connections.length).toBe(1);
    s.connections[0]!.notify("exit", { pid: "init", status: 3 });
    expect(await got.promise).toEqual(["exit", { pid: "init", status: 3 }]);
  });

  test("when the server stops, closed resolves and pending and later calls reject as unavailable", async () => {
    const s = serve(join(tempDir(), "shim.sock"));
    const client = await connectRpc(s.path);
    cleanups.push(() => client.close());
    const pending = client.call("wait").catch((e) => e);
    await client.call("echo");
    s.stop();
    await client.closed;
    const err = await pending;
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe("unavailable");
    const later = await client.call("echo").catch((e) => e);
    expect(later).toBeInstanceOf(BerthError);
    expect(later.code).toBe("unavailable");
  });

  test("client.close resolves closed and the server runs the connection's cleanup once", async () => {
    const s = serve(join(tempDir(), "shim.sock"));
    const client = await connectRpc(s.path);
    await client.call("echo");
    client.close();
    await client.closed;
    for (let end = Date.now() + 2000; s.cleanups[0] === 0 && Date.now() < end; ) await Bun.sleep(1);
    expect(s.cleanups).toEqual([1]);
  });

  test("connecting to a path nobody serves fails", async () => {
    const path = join(tempDir(), "nobody.sock");
    await expect(connectRpc(path)).rejects.toThrow();
  });

  test("the server answers a malformed line with invalid_argument and keeps reading; two requests in one chunk get two answers", async () => {
    const s = serve(join(tempDir(), "shim.sock"));
    const lines: unknown[] = [];
    const two = gate();
    const socket = await Bun.connect({
      unix: s.path,
      socket: {
        data: lineSplitterFor((line) => {
          lines.push(JSON.parse(line));
          if (lines.length === 3) two.open();
        }),
      },
    });
    cleanups.push(() => socket.end());
    socket.write('{not json\n{"id":1,"method":"echo","params":{"n":1}}\n{"id":2,"method":"echo","params":{"n":2}}\n');
    await two.promise;
    expect(lines).toContainEqual({ id: null, error: { code: "invalid_argument", message: "malformed json" } });
    expect(lines).toContainEqual({ id: 1, result: { n: 1 } });
    expect(lines).toContainEqual({ id: 2, result: { n: 2 } });
  });
});

function lineSplitterFor(onLine: (line: string) => void) {
  const split = lineSplitter(onLine);
  return (_socket: unknown, chunk: Uint8Array) => split(chunk);
}

describe("lineSplitter", () => {
  const enc = new TextEncoder();

  test("joins a line split over several chunks", () => {
    const lines: string[] = [];
    const split = lineSplitter((l) => lines.push(l));
    split(enc.encode('{"id":'));
    split(enc.encode("1,"));
    expect(lines).toEqual([]);
    split(enc.encode('"x":2}\n{"id"'));
    expect(lines).toEqual(['{"id":1,"x":2}']);
    split(enc.encode(":2}\n"));
    expect(lines).toEqual(['{"id":1,"x":2}', '{"id":2}']);
  });

  test("splits a chunk holding several lines, skipping empty ones and keeping the unterminated tail", () => {
    const lines: string[] = [];
    const split = lineSplitter((l) => lines.push(l));
    split(enc.encode("a\nb\n\nc\nd"));
    expect(lines).toEqual(["a", "b", "c"]);
    split(enc.encode("\n"));
    expect(lines).toEqual(["a", "b", "c", "d"]);
  });

  test("keeps a multi-byte character split between chunks", () => {
    const lines: string[] = [];
    const split = lineSplitter((l) => lines.push(l));
    const bytes = enc.encode("héllo ☃\n");
    split(bytes.subarray(0, 2)); // cuts "é" in half
    split(bytes.subarray(2, 9)); // cuts "☃" in half
    split(bytes.subarray(9));
    expect(lines).toEqual(["héllo ☃"]);
  });
});
