/** The shim's RPC methods (protocol's ShimMethods): one handler each, finding the process and calling it. */
import { BerthError, type RpcConnection, serveRpc, type ShimMethods } from "@berth/protocol";
import type { ShimContainer } from "./container.ts";

export interface ShimHooks {
  /** berthd asked for the create: from here the start timeout bounds the shim's own work. */
  creating(): void;
  shutdown(): void;
}

type Handlers = { [M in keyof ShimMethods]: (params: ShimMethods[M]["params"], conn: Connection) => unknown };

/** A connection's attachments, dropped when it closes. */
interface Connection extends RpcConnection {
  detach: (() => void)[];
}

export function serveShim(path: string, container: ShimContainer, clients: Set<RpcConnection>, hooks: ShimHooks) {
  const handlers: Handlers = {
    async create() {
      hooks.creating();
      return container.create();
    },
    async start() {
      await container.start();
      return {};
    },
    exec: ({ pid }) => container.exec(pid),
    signal({ pid, signal }) {
      container.process(pid).signal(Number(signal));
      return {};
    },
    closeStdin({ pid }) {
      container.process(pid).closeStdin();
      return {};
    },
    resize({ pid, width, height }) {
      container.process(pid).resize(width, height);
      return {};
    },
    attach({ pid }, conn) {
      conn.detach.push(container.process(pid).attach({
        data: (chunk) => conn.notify("output", { pid, data: Buffer.from(chunk).toString("base64") }),
        end: () => conn.notify("output-end", { pid }),
      }));
      return {};
    },
    async write({ pid, data }) {
      await container.process(pid).write(Buffer.from(data, "base64"));
      return {};
    },
    state: () => ({ shimPid: process.pid, processes: container.processes.map((p) => p.snapshot()) }),
    shutdown() {
      // Reply first, then go: the caller waits for the process to exit.
      setTimeout(hooks.shutdown, 0);
      return {};
    },
  };
  const connections = new WeakMap<RpcConnection, Connection>();
  let inFlight = 0;
  const onIdle: (() => void)[] = [];
  const settled = () => {
    // The reply goes out in the continuation after the handler settles: let it, then call it idle.
    if (--inFlight === 0) setTimeout(() => inFlight === 0 && onIdle.splice(0).forEach((f) => f()), 0);
  };
  const listener = serveRpc(path, async (method, params, rpc) => {
    const handler = handlers[method as keyof ShimMethods] as ((p: unknown, c: Connection) => unknown) | undefined;
    if (!handler) throw new BerthError("invalid_argument", `unknown shim method ${JSON.stringify(method)}`);
    inFlight++;
    try {
      return await handler(params, connections.get(rpc!)!);
    } finally {
      settled();
    }
  }, (rpc) => {
    const conn: Connection = Object.assign(rpc, { detach: [] as (() => void)[] });
    connections.set(rpc, conn);
    clients.add(rpc);
    return () => {
      clients.delete(rpc);
      for (const d of conn.detach) d();
    };
  });
  return {
    listener,
    /** Resolves once no request is being handled and every answer has gone out. */
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => onIdle.push(resolve))),
  };
}
