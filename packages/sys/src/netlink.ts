/**
 * Netlink sockets (netlink(7)): opening and binding one, sending a request, and receiving one datagram, for the
 * two netlink users here (taskstats.ts over generic netlink, proc-events.ts over the connector). Every message
 * starts with a 16-byte header (struct nlmsghdr: u32 length, u16 type, u16 flags, u32 seq, u32 port id) and is
 * padded to 4 bytes.
 *
 * The buffers passed to sendto/recv are shared with C for the duration of that one call only.
 */
import { ptr } from "bun:ffi";
import { check, EAGAIN, EINTR, ENOBUFS, errno, libc, SysError } from "./libc.ts";
import { AF_NETLINK, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SO_RCVBUFFORCE, SOL_SOCKET } from "./socket.ts";

export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 1;

/** `n` rounded up to the 4-byte alignment of netlink messages and attributes. */
export const align4 = (n: number) => (n + 3) & ~3;

export interface NetlinkOptions {
  /** Multicast groups to join (a bit mask; bit N-1 is group N). */
  groups?: number;
  /** recv answers EAGAIN instead of blocking. */
  nonBlocking?: boolean;
  /** The receive buffer, forced past rmem_max (needs CAP_NET_ADMIN); the kernel's default when absent. */
  receiveBufferBytes?: number;
}

/** A bound netlink socket of `protocol`; `subject` names it in errors ("socket proc connector: EPERM"). */
export function openNetlink(protocol: number, subject: string, options: NetlinkOptions = {}): number {
  const type = SOCK_RAW | SOCK_CLOEXEC | (options.nonBlocking ? SOCK_NONBLOCK : 0);
  const fd = check("socket", subject, () => libc.socket(AF_NETLINK, type, protocol));
  try {
    if (options.receiveBufferBytes !== undefined) {
      const size = new Int32Array([options.receiveBufferBytes]);
      check("setsockopt(SO_RCVBUFFORCE)", subject, () => libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, ptr(size), 4));
    }
    const addr = new Uint8Array(12); // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }
    const view = new DataView(addr.buffer);
    view.setUint16(0, AF_NETLINK, true);
    view.setUint32(8, options.groups ?? 0, true);
    check("bind", subject, () => libc.bind(fd, ptr(addr), 12));
    return fd;
  } catch (err) {
    libc.close(fd);
    throw err;
  }
}

/** Sends `message` to the kernel; throws SysError ("sendto taskstats: EPERM"). */
export function sendNetlink(fd: number, message: Uint8Array, subject: string): void {
  check("sendto", subject, () => Number(libc.sendto(fd, ptr(message), message.length, 0, null, 0)));
}

/**
 * One datagram into `buf`: its length; or -ENOBUFS when the kernel dropped messages since the last receive (the
 * socket's buffer was full; queued messages stay), -EAGAIN when a non-blocking socket has nothing queued. EINTR
 * is retried; other errors throw SysError.
 */
export function receiveNetlink(fd: number, buf: Uint8Array, subject: string): number {
  for (;;) {
    const n = Number(libc.recv(fd, ptr(buf), buf.length, 0));
    if (n >= 0) return n;
    const e = errno();
    if (e === ENOBUFS || e === EAGAIN) return -e;
    if (e !== EINTR) throw new SysError("recv", e, subject);
  }
}
