/**
 * A loopback TCP port forwarded byte for byte to a unix socket, as `ssh -L PORT:/run/berth/berth.sock` or socat
 * does, so a browser can reach berthd's unix listener. Bun's socket writes may be partial: what is left waits for
 * the socket's drain. `close` stops it and drops its connections.
 */
import type { Socket } from "bun";

/** One direction's state: the socket on the other side, and bytes waiting until that one can take them. */
interface End {
  peer?: Socket<End>;
  backlog: Uint8Array[];
}

function send(to: Socket<End> | undefined, queue: Uint8Array[], chunk?: Uint8Array): void {
  if (chunk) queue.push(chunk);
  if (!to) return;
  while (queue.length) {
    const head = queue[0]!;
    const written = to.write(head);
    if (written < head.length) {
      queue[0] = head.subarray(Math.max(written, 0));
      return;
    }
    queue.shift();
  }
}

export function forwardToUnix(path: string): { url: string; close(): void } {
  const server = Bun.listen<End>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { backlog: [] }; // bytes for upstream, until it is connected or drained
        void Bun.connect<End>({
          unix: path,
          socket: {
            open(upstream) {
              upstream.data = { peer: client, backlog: [] }; // bytes for the client
              client.data.peer = upstream;
              send(upstream, client.data.backlog);
            },
            data: (upstream, chunk) => send(upstream.data.peer, upstream.data.backlog, new Uint8Array(chunk)),
            drain: (upstream) => send(upstream, client.data.backlog),
            close: (upstream) => void upstream.data.peer?.end(),
          },
        }).catch(() => client.end());
      },
      data: (client, chunk) => send(client.data.peer, client.data.backlog, new Uint8Array(chunk)),
      drain: (client) => send(client, client.data.peer?.data.backlog ?? []),
      close: (client) => void client.data.peer?.end(),
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
}
