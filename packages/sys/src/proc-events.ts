/**
 * The kernel's process events connector (the "proc connector": netlink protocol NETLINK_CONNECTOR, multicast
 * group CN_IDX_PROC; linux/cn_proc.h, drivers/connector/cn_proc.c): a listener is told of every fork and exit of
 * every task on the machine, with host pids. berthd uses it to know when a container's pids may have changed
 * without reading its cgroup.procs (supervisor's pids.ts).
 *
 * Wire format: each datagram is one message of 76 bytes: struct nlmsghdr (16), struct cn_msg (20: idx, val, seq,
 * ack, u16 len, u16 flags), then struct proc_event: u32 what, u32 cpu, u64 timestamp, and at byte 52 the event's
 * data: for a fork (what 0x1) parent_pid, parent_tgid, child_pid, child_tgid; for an exit (what 0x80000000)
 * process_pid, process_tgid, exit_code, exit_signal, parent_pid, parent_tgid; for the ack of a request (what 0)
 * err. Other kinds (exec, uid, sid, comm, ...) are not asked for on kernels that filter (6.6 and later) and are
 * skipped where they still come.
 *
 * The kernel takes listeners only from its initial pid and user namespaces, with CAP_NET_ADMIN (the bind of the
 * group needs it); elsewhere it ignores the request without an answer, which open() reports as unavailable.
 */
import { ENOBUFS, libc, SysError } from "./libc.ts";
import { NLMSG_DONE, NLMSG_HDRLEN, openNetlink, receiveNetlink, sendNetlink } from "./netlink.ts";

const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
const PROC_CN_MCAST_IGNORE = 2;
const PROC_EVENT_NONE = 0;
const PROC_EVENT_FORK = 0x1;
const PROC_EVENT_EXIT = 0x80000000;

/** Offsets in a message (see the module doc). */
const AT = { cnAck: 28, what: 36, data: 52 } as const;
const EVENT_BYTES = 76;
const SUBJECT = "proc connector";

/** What a listener's reader does with events: one call per fork or exit of a process (threads are left out). */
export interface ProcEventSink {
  /** A process forked a child process; `parentTgid` is the parent's process id (its real parent's, for CLONE_PARENT). */
  fork(parentTgid: number): void;
  /** The leader of process `tgid` exited (it may live on in other threads: see pids.ts). */
  exit(tgid: number): void;
}

/**
 * The events in `buf[0, length)` (one datagram, or several back to back) to `sink`. A thread's start or end
 * (child_pid ≠ child_tgid, process_pid ≠ process_tgid) and other kinds of events are skipped, as is anything
 * short or torn.
 */
export function parseProcEvents(buf: Buffer, length: number, sink: ProcEventSink): void {
  for (let at = 0; at + NLMSG_HDRLEN <= length;) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > length) return;
    if (len >= EVENT_BYTES) {
      const what = buf.readUInt32LE(at + AT.what);
      const d = at + AT.data;
      if (what === PROC_EVENT_FORK) {
        if (buf.readUInt32LE(d + 8) === buf.readUInt32LE(d + 12)) sink.fork(buf.readUInt32LE(d + 4));
      } else if (what === PROC_EVENT_EXIT) {
        const tgid = buf.readUInt32LE(d + 4);
        if (buf.readUInt32LE(d) === tgid) sink.exit(tgid);
      }
    }
    at += (len + 3) & ~3;
  }
}

/**
 * A request to the proc connector: nlmsghdr, cn_msg, then `payload` (the op, or the op and an event mask). The
 * kernel's acknowledgement carries `ack` + 1 in its cn_msg (its seq is the kernel's own).
 */
function request(ack: number, payload: number[]): Buffer {
  const msg = Buffer.alloc(NLMSG_HDRLEN + 20 + 4 * payload.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(NLMSG_DONE, 4);
  msg.writeUInt32LE(CN_IDX_PROC, 16);
  msg.writeUInt32LE(CN_VAL_PROC, 20);
  msg.writeUInt32LE(ack, AT.cnAck);
  msg.writeUInt16LE(4 * payload.length, 32);
  payload.forEach((v, i) => msg.writeUInt32LE(v, 36 + 4 * i));
  return msg;
}

/**
 * A non-blocking listener: events queue in its socket (the kernel's default receive buffer, a few hundred events)
 * until drain() reads them, so berthd's loop never waits on it and an idle berthd does no work per event.
 */
export class ProcEventListener {
  private readonly buf = Buffer.alloc(4096);
  private closed = false;

  private constructor(private readonly fd: number) {}

  /**
   * Joins the proc connector's group and asks for forks and exits. Throws SysError when the socket or the bind is
   * refused (EPERM without CAP_NET_ADMIN), or when the kernel does not acknowledge (another pid or user namespace
   * than the initial one) or refuses the request.
   */
  static open(): ProcEventListener {
    const fd = openNetlink(NETLINK_CONNECTOR, SUBJECT, { groups: CN_IDX_PROC, nonBlocking: true });
    const listener = new ProcEventListener(fd);
    try {
      listener.listen();
      return listener;
    } catch (err) {
      listener.close();
      throw err;
    }
  }

  /**
   * First a listen for every kind of event, whose acknowledgement (sent back before sendto returns) proves the
   * kernel took it; then the same listen with the event mask (kernel 6.6 and later; an older kernel ignores a
   * request of that size and keeps sending every kind, which parseProcEvents skips).
   */
  private listen(): void {
    const ack = (Math.random() * 0xfffffff) >>> 0;
    sendNetlink(this.fd, request(ack, [PROC_CN_MCAST_LISTEN]), SUBJECT);
    for (;;) {
      const n = receiveNetlink(this.fd, this.buf, SUBJECT);
      if (n < 0) throw new SysError("listen", -n, `${SUBJECT} (no acknowledgement: not in the initial pid and user namespaces?)`);
      if (n < EVENT_BYTES || this.buf.readUInt32LE(AT.what) !== PROC_EVENT_NONE || this.buf.readUInt32LE(AT.cnAck) !== ack + 1) continue;
      const err = this.buf.readUInt32LE(AT.data);
      if (err !== 0) throw new SysError("listen", err, SUBJECT);
      break;
    }
    sendNetlink(this.fd, request(ack, [PROC_CN_MCAST_LISTEN, (PROC_EVENT_FORK | PROC_EVENT_EXIT) >>> 0]), SUBJECT);
  }

  /**
   * Reads every queued event to `sink`, without blocking. False when the kernel dropped events since the last
   * drain (the socket's buffer was full): anything derived from them is to be taken as stale. Throws SysError
   * when the socket fails.
   */
  drain(sink: ProcEventSink): boolean {
    let intact = true;
    for (;;) {
      const n = receiveNetlink(this.fd, this.buf, SUBJECT);
      if (n >= 0) parseProcEvents(this.buf, n, sink);
      else if (n === -ENOBUFS) intact = false;
      else return intact;
    }
  }

  /** Leaves the group (the kernel stops building events once no listener is left) and closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      sendNetlink(this.fd, request(0, [PROC_CN_MCAST_IGNORE]), SUBJECT);
    } catch {}
    libc.close(this.fd);
  }
}
