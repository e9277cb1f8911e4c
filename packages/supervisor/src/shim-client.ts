/**
 * Starting and reaching shims. A shim is spawned detached (own session, stdio on /dev/null) so it outlives
 * berthd, even a kill of berthd's whole process group; berthd then talks to it only over its socket.
 */
import { readFileSync } from "node:fs";
import { BerthError, type Change, connectRpc, type RpcClient, SHIM_PROTOCOL_VERSION, type ShimMethods } from "@berth/protocol";
import type { ContainerLayout, ShimRecord } from "@berth/state";
import { isLive, spawn } from "@berth/sys";

/** What a shim tells berthd unasked: each change once it is durable, and that the runtime's container is gone. */
export interface ShimNotices {
  change(change: Change): void;
  deleted(outcome: { deleted: boolean }): void;
}

function dispatch(notices: ShimNotices) {
  return (event: string, params: Record<string, unknown>) => {
    if (event === "change") notices.change(params as Change);
    else if (event === "deleted") notices.deleted(params as { deleted: boolean });
  };
}

/** A connected shim: typed calls, exit notices, and `gone`, which settles once the shim process has exited. */
export class ShimClient {
  /**
   * @param callTimeoutMs bound for one call: an exec may wait for a FIFO reader and then for the runtime, each up
   * to the start timeout, so a shim that answers nothing within twice that is taken as wedged.
   */
  private constructor(
    private readonly rpc: RpcClient,
    readonly pid: number,
    readonly gone: Promise<void>,
    private readonly callTimeoutMs: number,
  ) {}

  static async connect(layout: ContainerLayout, pid: number, gone: Promise<void>, startTimeoutMs: number, notices: ShimNotices): Promise<ShimClient> {
    const rpc = await connectRpc(layout.socket, dispatch(notices));
    return new ShimClient(rpc, pid, gone, 2 * startTimeoutMs + 5000);
  }

  /**
   * Reaches a shim berthd did not start (after a restart). It is not berthd's child, so "gone" is the socket
   * closing and then its pid (checked by start time) disappearing, or staying a zombie of another parent.
   */
  static async reconnect(layout: ContainerLayout, shim: ShimRecord, startTimeoutMs: number, notices: ShimNotices): Promise<ShimClient> {
    if (shim.protocol !== SHIM_PROTOCOL_VERSION) {
      throw new BerthError("unavailable", `shim ${shim.pid} speaks protocol ${shim.protocol ?? 1}, berthd speaks ${SHIM_PROTOCOL_VERSION}`);
    }
    const rpc = await connectRpc(layout.socket, dispatch(notices));
    const gone = rpc.closed.then(async () => {
      for (let delay = 1; isLive(shim.pid, shim.startTime); delay = Math.min(delay * 2, 20)) await Bun.sleep(delay);
    });
    return new ShimClient(rpc, shim.pid, gone, 2 * startTimeoutMs + 5000);
  }

  /** One RPC call, bounded by the call timeout (`timeout`; the pending call is dropped). */
  call<M extends keyof ShimMethods>(method: M, params?: ShimMethods[M]["params"]): Promise<ShimMethods[M]["result"]> {
    return this.rpc.call<ShimMethods[M]["result"]>(method, params as Record<string, unknown> | undefined, this.callTimeoutMs);
  }

  close(): void {
    this.rpc.close();
  }
}

/** Spawns `shimCommand <container-dir>` detached; resolves once its socket accepts, or fails with what it logged. */
export async function startShim(
  shimCommand: string[],
  layout: ContainerLayout,
  timeoutMs: number,
  notices: ShimNotices,
): Promise<ShimClient> {
  const proc = spawn([...shimCommand, layout.dir], {
    cwd: layout.dir,
    detached: true,
    stdio: ["ignore", "ignore", "ignore"],
  });
  proc.unref();
  // berthd is the parent of the shims it starts: Bun reaps them and tells exactly when one is gone.
  const gone = proc.exited.then(() => {});
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 10)) {
    try {
      return await ShimClient.connect(layout, proc.pid, gone, timeoutMs, notices);
    } catch (err) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new BerthError("internal", `shim exited before it was ready (status ${proc.exitCode ?? proc.signalCode})${lastShimError(layout)}`);
      }
      if (Date.now() >= deadline) {
        proc.kill("SIGKILL");
        throw new BerthError("timeout", `shim did not listen within ${timeoutMs} ms: ${(err as Error).message}`);
      }
      await Bun.sleep(delay);
    }
  }
}

function lastShimError(layout: ContainerLayout): string {
  try {
    const lines = readFileSync(layout.shimLog, "utf8").trim().split("\n");
    const last = lines.reverse().find((l) => l.includes('"error"'));
    return last ? `: ${(JSON.parse(last) as { msg: string }).msg}` : "";
  } catch {
    return "";
  }
}
