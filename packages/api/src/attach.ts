/**
 * The attach WebSocket, served by the listener itself (Bun upgrades on the server that took the request, and
 * berthd has several): GET /v1/containers/{id}/processes/{pid}/attach with Upgrade: websocket. Binary frames
 * carry stdin to the process and its output back; a text frame {"resize":{"width","height"}} resizes, and
 * {"closeStdin":true} closes its stdin once the input sent before it has been written. The socket
 * closes with 1000 when the process's output ends. The route is documented in routes/processes.ts.
 *
 * A client that does not read its output is never slowed down into the process (the shim does not wait for
 * attach clients): once ATTACH_BUFFER_MAX bytes wait for it, or Bun drops a frame for it, its socket is closed
 * with 4001 "output dropped: client too slow" and the drop is logged, so it is never told "ended" after a loss.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { Value } from "@sinclair/typebox/value";
import { AttachControl, BerthError, ID_PATTERN } from "@berth/protocol";
import type { AttachSession, Supervisor } from "@berth/supervisor";
import { errorResponse } from "./errors.ts";

const ATTACH_PATH = new RegExp(`^/v1/containers/(${ID_PATTERN.slice(1, -1)})/processes/(${ID_PATTERN.slice(1, -1)})/attach$`);

/** The largest text (control: resize, closeStdin) frame attach reads. */
const CONTROL_MAX = 1024;
/** Output that may wait for one slow client, in bytes, before it is cut off (Bun's own limit is above it). */
export const ATTACH_BUFFER_MAX = 8 << 20;
/** The close code and reason for a client cut off because its output was dropped. */
export const TOO_SLOW = { code: 4001, reason: "output dropped: client too slow" } as const;

export interface AttachData {
  id: string;
  pid: string;
  session?: Promise<AttachSession | undefined>;
  /** Output was dropped for this client: nothing more is sent, and it is closed with TOO_SLOW. */
  dropped?: boolean;
  /** The frames received so far, handled one after another: a closeStdin comes after the input sent before it. */
  handled?: Promise<void>;
}

export type Upgrade = (request: Request, server: Server<AttachData>) => Response | undefined | "not-attach";

export function attachHandlers(supervisor: Supervisor): { upgrade: Upgrade; websocket: WebSocketHandler<AttachData> } {
  const upgrade: Upgrade = (request, server) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return "not-attach";
    const match = ATTACH_PATH.exec(new URL(request.url).pathname);
    if (!match) return "not-attach";
    const [, id, pid] = match as unknown as [string, string, string];
    try {
      supervisor.processes.get(id, pid);
    } catch (err) {
      return err instanceof BerthError ? errorResponse(err.code, err.message) : errorResponse("internal", String(err));
    }
    return server.upgrade(request, { data: { id, pid } }) ? undefined : errorResponse("invalid_argument", "websocket upgrade failed");
  };

  const websocket: WebSocketHandler<AttachData> = {
    open(ws) {
      const tooSlow = () => {
        ws.data.dropped = true;
        supervisor.config.logger.warn("attach client too slow: output dropped, closing it", { container: ws.data.id, pid: ws.data.pid });
        ws.close(TOO_SLOW.code, TOO_SLOW.reason);
      };
      ws.data.session = supervisor.processes.attach(ws.data.id, ws.data.pid, {
        output: (chunk) => {
          if (ws.data.dropped) return;
          if (ws.sendBinary(chunk) === 0 || ws.getBufferedAmount() > ATTACH_BUFFER_MAX) tooSlow();
        },
        end: () => {
          if (!ws.data.dropped) ws.close(1000, "process output ended");
        },
      }).catch((err: Error) => {
        ws.close(1011, err.message.slice(0, 120));
        return undefined;
      });
    },
    message(ws, message) {
      ws.data.handled = (ws.data.handled ?? Promise.resolve()).then(() => handleFrame(ws, message));
    },
    async close(ws) {
      (await ws.data.session)?.close();
    },
  };

  /** One frame: input bytes to the process, or a control (resize, closeStdin); an error is answered on the socket. */
  async function handleFrame(ws: AttachSocket, message: string | Buffer): Promise<void> {
    const session = await ws.data.session;
    if (!session) return;
    try {
      if (typeof message !== "string") return await session.write(message);
      // A control is a few dozen bytes: a bigger text frame is not parsed at all (a deep one would stall berthd).
      if (message.length > CONTROL_MAX) throw new BerthError("invalid_argument", `a text frame is a control of at most ${CONTROL_MAX} bytes`);
      const control = JSON.parse(message) as unknown;
      if (!Value.Check(AttachControl, control)) throw new BerthError("invalid_argument", 'expected {"resize":{"width":W,"height":H}} or {"closeStdin":true}');
      if ("closeStdin" in control) await session.closeStdin();
      else await session.resize(control.resize.width, control.resize.height);
    } catch (err) {
      ws.send(JSON.stringify({ error: { code: err instanceof BerthError ? err.code : "invalid_argument", message: (err as Error).message } }));
    }
  }
  return { upgrade, websocket };
}

export type AttachSocket = ServerWebSocket<AttachData>;
