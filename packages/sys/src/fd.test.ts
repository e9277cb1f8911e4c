import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  closeFd, makeEventFd, makeFifo, makePipe, O_CLOEXEC, O_NONBLOCK, O_RDONLY, openFd, setBlocking, tryOpenWriter,
} from "./fd.ts";
import { SysError } from "./libc.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-sys-fd-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The open flags of one of our fds, from /proc/self/fdinfo (octal in the kernel's text). */
function fdFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").split("\n").find((l) => l.startsWith("flags:"))!;
  return parseInt(line.slice("flags:".length).trim(), 8);
}

function fdsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {}
  }
  return n;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("makeFifo", () => {
  test("creates a FIFO with the given mode, and an existing FIFO is fine", () => {
    const path = join(dir, "f");
    makeFifo(path, 0o600);
    const st = statSync(path);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(() => makeFifo(path)).not.toThrow();
  });

  test("a missing directory is a SysError naming mkfifo, the path and ENOENT", () => {
    const path = join(dir, "missing", "f");
    const err = thrown(() => makeFifo(path));
    expect(err).toBeInstanceOf(SysError);
    expect(err).toMatchObject({ syscall: "mkfifo", code: "ENOENT", errno: 2, message: `mkfifo ${path}: ENOENT` });
  });
});

describe("tryOpenWriter", () => {
  test("gives undefined while the FIFO has no reader and an fd once one appears", () => {
    const path = join(dir, "f");
    makeFifo(path);
    expect(tryOpenWriter(path)).toBeUndefined();
    expect(fdsOn(path)).toBe(0);
    const reader = openFd(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const writer = tryOpenWriter(path);
    try {
      expect(writer).toBeNumber();
      writeSync(writer!, "hi");
      const buf = Buffer.alloc(8);
      expect(buf.toString("utf8", 0, readSync(reader, buf))).toBe("hi");
      // Opened non-blocking and close-on-exec: the caller decides about blocking.
      expect(fdFlags(writer!) & O_NONBLOCK).toBe(O_NONBLOCK);
      expect(fdFlags(writer!) & O_CLOEXEC).toBe(O_CLOEXEC);
    } finally {
      if (writer !== undefined) closeFd(writer);
      closeFd(reader);
    }
  });

  test("a missing path is a SysError, not undefined", () => {
    const path = join(dir, "nope");
    expect(() => tryOpenWriter(path)).toThrow(`open ${path}: ENOENT`);
  });
});

describe("openFd and closeFd", () => {
  test("open of a missing path names the syscall, the path and the errno", () => {
    const err = thrown(() => openFd("/nonexistent/x", O_RDONLY));
    expect(err).toBeInstanceOf(SysError);
    expect(err).toMatchObject({ syscall: "open", subject: "/nonexistent/x", code: "ENOENT", message: "open /nonexistent/x: ENOENT" });
  });

  test("a regular file opens and closes; closing a bad fd is EBADF", () => {
    const path = join(dir, "file");
    writeFileSync(path, "content");
    const fd = openFd(path, O_RDONLY | O_CLOEXEC);
    expect(fdsOn(path)).toBe(1);
    closeFd(fd);
    expect(fdsOn(path)).toBe(0);
    expect(() => closeFd(1_000_000)).toThrow("close 1000000: EBADF");
  });
});

describe("makePipe and setBlocking", () => {
  test("makePipe gives a close-on-exec read end and write end; closing the writer gives EOF", () => {
    const [r, w] = makePipe();
    try {
      expect(fdFlags(r) & O_CLOEXEC).toBe(O_CLOEXEC);
      expect(fdFlags(w) & O_CLOEXEC).toBe(O_CLOEXEC);
      expect(readlinkSync(`/proc/self/fd/${r}`)).toBe(readlinkSync(`/proc/self/fd/${w}`));
      writeSync(w, "ping");
      closeFd(w);
      const buf = Buffer.alloc(8);
      expect(buf.toString("utf8", 0, readSync(r, buf))).toBe("ping");
      expect(readSync(r, buf)).toBe(0);
    } finally {
      closeFd(r);
    }
  });

  test("setBlocking toggles O_NONBLOCK: an empty non-blocking pipe reads EAGAIN", () => {
    const [r, w] = makePipe();
    try {
      expect(fdFlags(r) & O_NONBLOCK).toBe(0);
      setBlocking(r, false);
      expect(fdFlags(r) & O_NONBLOCK).toBe(O_NONBLOCK);
      expect(() => readSync(r, Buffer.alloc(1))).toThrow(expect.objectContaining({ code: "EAGAIN" }));
      setBlocking(r, true);
      expect(fdFlags(r) & O_NONBLOCK).toBe(0);
      // Other flags survive the toggle.
      expect(fdFlags(r) & O_CLOEXEC).toBe(O_CLOEXEC);
    } finally {
      closeFd(r);
      closeFd(w);
    }
  });

  test("setBlocking on a bad fd names fcntl and EBADF", () => {
    expect(() => setBlocking(1_000_000, true)).toThrow("fcntl(F_GETFL) 1000000: EBADF");
  });
});

describe("makeEventFd", () => {
  test("a non-blocking counter that Bun's own reader wakes on: one 8-byte value per read", async () => {
    const efd = makeEventFd();
    try {
      expect(readlinkSync(`/proc/self/fd/${efd}`)).toBe("anon_inode:[eventfd]");
      expect(readFileSync(`/proc/self/fdinfo/${efd}`, "utf8")).toMatch(/^flags:\s+0*2004002$/m); // O_RDWR|O_NONBLOCK|O_CLOEXEC
      const reader = Bun.file(efd).stream().getReader();
      const next = reader.read();
      const add = Buffer.alloc(8);
      add.writeBigUInt64LE(3n);
      writeSync(efd, add);
      const { value } = await next;
      expect(Buffer.from(value!).readBigUInt64LE(0)).toBe(3n);
      reader.releaseLock();
    } finally {
      closeFd(efd);
    }
  });
});
