/**
 * One datagram to a unix datagram socket, as sd_notify(3) sends its messages to $NOTIFY_SOCKET: Bun's sockets are
 * streams or UDP, with no AF_UNIX datagrams. A path starting with "@" names an abstract socket (its "@" becomes
 * the leading NUL, and the address has no trailing NUL), the way systemd writes it.
 *
 * The message and address buffers are shared with C for the duration of the one sendto(2) call only.
 */
import { ptr } from "bun:ffi";
import { check, libc, SysError } from "./libc.ts";
import { AF_UNIX, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_DGRAM } from "./socket.ts";

const SUN_PATH_MAX = 108;
const ENAMETOOLONG = 36;

/** Sends `message` as one datagram to the socket at `path`; throws SysError ("sendto PATH: ECONNREFUSED", ...). */
export function sendDatagram(path: string, message: string): void {
  const abstract = path.startsWith("@");
  const name = Buffer.from(abstract ? `\0${path.slice(1)}` : `${path}\0`);
  if (name.length > SUN_PATH_MAX) throw new SysError("sendto", ENAMETOOLONG, path);
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  const data = Buffer.from(message);
  const fd = check("socket", path, () => libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  try {
    check("sendto", path, () => Number(libc.sendto(fd, ptr(data), data.length, MSG_NOSIGNAL, ptr(addr), 2 + name.length)));
  } finally {
    libc.close(fd);
  }
}
