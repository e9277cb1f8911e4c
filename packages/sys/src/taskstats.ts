/**
 * The kernel's per-task exit accounting (taskstats over generic netlink, Documentation/accounting/taskstats.rst):
 * a listener registered for a set of CPUs receives one record for every thread that exits on them, machine-wide,
 * with its thread id, process id, parent, name and CPU time. The bench uses it to say how much CPU each kind of
 * process (daemon, shim, runc, `runc init`) spent, including the ones that live a few milliseconds.
 *
 * CPU time is the scheduler's own sum (`se.sum_exec_runtime`, reported as cpu_run_virtual_total whether or not
 * delay accounting is on), in nanoseconds; the tick-sampled ac_utime/ac_stime are too coarse for short processes.
 */
import { ENOBUFS, libc, SysError } from "./libc.ts";
import { align4, NLM_F_REQUEST, NLMSG_ERROR, openNetlink, receiveNetlink, sendNetlink } from "./netlink.ts";

const NETLINK_GENERIC = 16;
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;

const TASKSTATS_CMD_GET = 1;
const TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 3;
const TASKSTATS_TYPE_PID = 1;
const TASKSTATS_TYPE_STATS = 3;
const TASKSTATS_TYPE_AGGR_PID = 4;

/** Offsets in struct taskstats (linux/taskstats.h, version 13; fields are only ever appended). */
const TS = { version: 0, cpuRunVirtualTotal: 72, comm: 80, commLength: 32, ppid: 132, tgid: 368, minLength: 372 } as const;

/** One exited thread. */
export interface TaskExit {
  /** Its thread id (the process id for a process's main thread). */
  tid: number;
  /** Its process (thread group) id. */
  tgid: number;
  /** Its process's parent when it exited. */
  ppid: number;
  /** The thread's name (comm). */
  comm: string;
  /** CPU time the thread used over its life, nanoseconds. */
  cpuNs: number;
}

/** A netlink message: header, generic netlink header (cmd, version 1), then attributes. */
function message(type: number, cmd: number, attrs: [number, Uint8Array][]): Buffer {
  const body = attrs.reduce((n, [, v]) => n + align4(4 + v.length), 0);
  const buf = Buffer.alloc(16 + 4 + body);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(NLM_F_REQUEST, 6);
  buf.writeUInt8(cmd, 16);
  buf.writeUInt8(1, 17);
  let at = 20;
  for (const [t, v] of attrs) {
    buf.writeUInt16LE(4 + v.length, at);
    buf.writeUInt16LE(t, at + 2);
    buf.set(v, at + 4);
    at += align4(4 + v.length);
  }
  return buf;
}

/** The attributes in `buf[from, to)`: type → [start, end) of each value (the last one of a type wins). */
function attributes(buf: Buffer, from: number, to: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (let at = from; at + 4 <= to;) {
    const len = buf.readUInt16LE(at);
    if (len < 4) break;
    out.set(buf.readUInt16LE(at + 2) & 0x3fff, [at + 4, at + len]);
    at += align4(len);
  }
  return out;
}

export class TaskstatsListener {
  private readonly buf = Buffer.alloc(1 << 16);
  /** Records the kernel dropped because the socket's buffer was full. */
  dropped = 0;

  private constructor(private readonly fd: number, private readonly family: number) {}

  /**
   * Opens a listener for every exit on `cpus` ("0-1", the kernel's cpulist syntax). Needs root; throws SysError
   * when the kernel has no taskstats (CONFIG_TASKSTATS) or the registration is refused.
   */
  static open(cpus: string, receiveBufferBytes = 32 << 20): TaskstatsListener {
    const fd = openNetlink(NETLINK_GENERIC, "taskstats", { receiveBufferBytes });
    const listener = new TaskstatsListener(fd, 0);
    const family = listener.resolveFamily();
    const registered = new TaskstatsListener(fd, family);
    registered.request(message(family, TASKSTATS_CMD_GET, [[TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, Buffer.from(`${cpus}\0`)]]));
    return registered;
  }

  private request(msg: Buffer): void {
    sendNetlink(this.fd, msg, "taskstats");
  }

  private resolveFamily(): number {
    this.request(message(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, [[CTRL_ATTR_FAMILY_NAME, Buffer.from("TASKSTATS\0")]]));
    for (;;) {
      const n = this.receive();
      for (let at = 0; at + 16 <= n;) {
        const len = this.buf.readUInt32LE(at);
        const type = this.buf.readUInt16LE(at + 4);
        if (type === NLMSG_ERROR) throw new SysError("taskstats family", -this.buf.readInt32LE(at + 16), "TASKSTATS");
        if (type === GENL_ID_CTRL) {
          const id = attributes(this.buf, at + 20, at + len).get(CTRL_ATTR_FAMILY_ID);
          if (id) return this.buf.readUInt16LE(id[0]);
        }
        at += align4(len);
      }
    }
  }

  /** One datagram into the buffer; its length. Counts drops (ENOBUFS) and goes on. */
  private receive(): number {
    for (;;) {
      const n = receiveNetlink(this.fd, this.buf, "taskstats");
      if (n >= 0) return n;
      if (n === -ENOBUFS) this.dropped++;
    }
  }

  /** Blocks until the next message and returns the exits it holds (none for messages of other kinds). */
  read(): TaskExit[] {
    const n = this.receive();
    const out: TaskExit[] = [];
    for (let at = 0; at + 16 <= n;) {
      const len = this.buf.readUInt32LE(at);
      if (len < 16) break;
      const type = this.buf.readUInt16LE(at + 4);
      if (type === NLMSG_ERROR) {
        const code = -this.buf.readInt32LE(at + 16);
        if (code !== 0) throw new SysError("taskstats register", code, "TASKSTATS");
      } else if (type === this.family) {
        const aggr = attributes(this.buf, at + 20, at + len).get(TASKSTATS_TYPE_AGGR_PID);
        if (aggr) {
          const inner = attributes(this.buf, aggr[0], aggr[1]);
          const stats = inner.get(TASKSTATS_TYPE_STATS);
          const pid = inner.get(TASKSTATS_TYPE_PID);
          if (stats && pid && stats[1] - stats[0] >= TS.minLength) out.push(this.decode(stats[0], this.buf.readUInt32LE(pid[0])));
        }
      }
      at += align4(len);
    }
    return out;
  }

  private decode(at: number, tid: number): TaskExit {
    const comm = this.buf.subarray(at + TS.comm, at + TS.comm + TS.commLength);
    const end = comm.indexOf(0);
    return {
      tid,
      tgid: this.buf.readUInt32LE(at + TS.tgid),
      ppid: this.buf.readUInt32LE(at + TS.ppid),
      comm: comm.subarray(0, end < 0 ? comm.length : end).toString(),
      cpuNs: Number(this.buf.readBigUInt64LE(at + TS.cpuRunVirtualTotal)),
    };
  }

  /** Closes the socket; the kernel drops the registration with it. */
  close(): void {
    libc.close(this.fd);
  }
}
