/**
 * The shim's RPC methods (protocol's ShimMethods): one handler each. Process operations find the process ("init"
 * or an exec id) and call its Lifecycle; container operations (exec, pause, resume, update, checkpoint, delete)
 * go to the init's. Errors (refusals included) travel back as BerthError.
 */
import { BerthError, type RpcConnection, serveRpc, type ShimMethods } from "@berth/protocol";
import type { ShimContainer } from "./container.ts";

export interface ShimHooks {
  /** berthd asked for the start: from here the start timeout bounds the shim's own work. */
  starting(): void;
}

type Handlers = { [M in keyof ShimMethods]: (params: ShimMethods[M]["params"], conn: Connection) => unknown };

/** A connection's attachments, dropped when it closes. */
interface Connection extends RpcConnection {
  detach: (() => void)[];
}

export function serveShim(path: string, container: ShimContainer, clients: Set<RpcConnection>, hooks: ShimHooks) {
  const init = container.init.lifecycle;
  const handlers: Handlers = {
    async start() {
      hooks.starting();
      return { change: await init.start() };
    },
    exec: ({ pid }) => init.exec(pid),
    async signal({ pid, signal }) {
      await container.member(pid).lifecycle.signal(Number(signal));
      return {};
    },
    pause: async () => withChange(await init.pause()),
    resume: async () => withChange(await init.resume()),
    update: async ({ resources }) => ({ change: await init.update(resources) }),
    checkpoint: async (options) => ({ change: await init.checkpoint(options) }),
    async closeStdin({ pid }) {
      await container.member(pid).lifecycle.closeStdin();
      return {};
    },
    async resize({ pid, width, height }) {
      await container.member(pid).lifecycle.resize(width, height);
      return {};
    },
    attach({ pid }, conn) {
      conn.detach.push(container.member(pid).process.attach({
        data: (chunk) => conn.notify("output", { pid, data: Buffer.from(chunk).toString("base64") }),
        end: () => conn.notify("output-end", { pid }),
      }));
      return {};
    },
    async write({ pid, data }) {
      await container.member(pid).process.write(Buffer.from(data, "base64"));
      return {};
    },
    state: () => ({ shimPid: process.pid, processes: container.snapshot() }),
    changes: ({ after }) => ({ changes: container.changes.after(after) }),
    async delete() {
      await init.delete();
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

function withChange(change: number | undefined): { change?: number } {
  return change === undefined ? {} : { change };
}
