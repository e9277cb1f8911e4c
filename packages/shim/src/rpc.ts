/** The shim's RPC methods (protocol's ShimMethods): one handler each, finding the process and calling it. */
import { BerthError, type RpcConnection, serveRpc, type ShimState } from "@berth/protocol";
import type { InitProcess } from "./init.ts";

export interface ShimHooks {
  created(): void;
  shutdown(): void;
}

export function serveShim(path: string, init: InitProcess, clients: Set<RpcConnection>, hooks: ShimHooks) {
  const process_ = (pid: unknown) => {
    if (pid !== "init") throw new BerthError("not_found", `no process ${JSON.stringify(pid)} in this container`);
    return init;
  };
  const handlers: Record<string, (params: Record<string, unknown>) => unknown> = {
    async create() {
      const result = await init.create();
      hooks.created();
      return result;
    },
    async start() {
      await init.start();
      return {};
    },
    signal(params) {
      process_(params.pid).signal(Number(params.signal));
      return {};
    },
    state(): ShimState {
      return { shimPid: process.pid, processes: [init.snapshot()] };
    },
    shutdown() {
      // Reply first, then go: the caller waits for the connection to close.
      setTimeout(hooks.shutdown, 0);
      return {};
    },
  };
  return serveRpc(path, (method, params) => {
    const handler = handlers[method];
    if (!handler) throw new BerthError("invalid_argument", `unknown shim method ${JSON.stringify(method)}`);
    return handler(params);
  }, (conn) => {
    clients.add(conn);
    return () => clients.delete(conn);
  });
}
