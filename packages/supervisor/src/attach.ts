/**
 * Attach: a session on one process's output and input, over a connection of its own to the shim, so several
 * clients can watch the same output and one leaving (closing its connection) ends nothing but its session.
 */
import { BerthError, connectRpc, type RpcClient } from "@berth/protocol";
import type { ContainerLayout } from "@berth/state";

export interface AttachSink {
  output(chunk: Uint8Array): void;
  /** The process's output has ended (it exited and everything holding its output closed it). */
  end(): void;
}

export interface AttachSession {
  write(data: Uint8Array): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  /** Closes the process's stdin, after every write sent before (one connection keeps them in order). */
  closeStdin(): Promise<void>;
  close(): void;
}

export async function openAttach(layout: ContainerLayout, pid: string, sink: AttachSink): Promise<AttachSession> {
  let ended = false;
  const end = () => {
    if (!ended) (ended = true), sink.end();
  };
  let rpc: RpcClient;
  try {
    rpc = await connectRpc(layout.socket, (event, params) => {
      if (params.pid !== pid) return;
      if (event === "output") sink.output(Buffer.from(String(params.data), "base64"));
      else if (event === "output-end") end();
    });
  } catch (err) {
    throw new BerthError("unavailable", `attach to ${pid}: cannot reach the shim: ${(err as Error).message}`);
  }
  rpc.closed.then(end);
  try {
    await rpc.call("attach", { pid });
  } catch (err) {
    rpc.close();
    throw err;
  }
  return {
    write: async (data) => void (await rpc.call("write", { pid, data: Buffer.from(data).toString("base64") })),
    resize: async (width, height) => void (await rpc.call("resize", { pid, width, height })),
    closeStdin: async () => void (await rpc.call("closeStdin", { pid })),
    close: () => rpc.close(),
  };
}
