import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BerthError } from "@berth/protocol";
import { closeFd, makeFifo, O_CLOEXEC, O_NONBLOCK, O_RDONLY, openFd, setBlocking, tryOpenWriter } from "@berth/sys";
import { ProcessIo } from "./stdio.ts";

let dir: string;
const toClose: number[] = [];
const ios: ProcessIo[] = [];
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-stdio-");
});
afterEach(() => {
  for (const io of ios.splice(0)) io.release();
  for (const fd of toClose.splice(0)) closeFd(fd);
  rmSync(dir, { recursive: true, force: true });
});

const soon = () => Date.now() + 2000;

async function open(paths: Parameters<typeof ProcessIo.open>[0], deadline = soon(), terminal = false): Promise<ProcessIo> {
  const io = await ProcessIo.open(paths, deadline, terminal);
  ios.push(io);
  return io;
}

function fifo(name: string): string {
  const path = join(dir, name);
  makeFifo(path);
  return path;
}

/** A client's reader on a FIFO, as `cat fifo` would hold it (non-blocking so the test never hangs). */
function clientReader(path: string): number {
  const fd = openFd(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  toClose.push(fd);
  return fd;
}

function close(fd: number): void {
  toClose.splice(toClose.indexOf(fd), 1);
  closeFd(fd);
}

function openFds(): string[] {
  return readdirSync("/proc/self/fd");
}

function fdsOn(path: string): number[] {
  return openFds().map(Number).filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

function flags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").split("\n").find((l) => l.startsWith("flags:"))!;
  return parseInt(line.slice(6).trim(), 8);
}

/** What a non-blocking read sees: the data, "EOF", or "EAGAIN" (no data, but a writer is still open). */
function readNow(fd: number): string {
  const buf = Buffer.alloc(256);
  try {
    const n = readSync(fd, buf);
    return n === 0 ? "EOF" : buf.toString("utf8", 0, n);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EAGAIN") return "EAGAIN";
    throw err;
  }
}

async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(() => {
    throw new Error("expected a rejection");
  }, (err) => err);
}

describe("ProcessIo.open, output FIFOs", () => {
  test("a stdout FIFO nobody reads fails with timeout after the deadline and leaves no fd open", async () => {
    const path = fifo("stdout");
    const before = openFds().length;
    const deadline = Date.now() + 60;
    const err = await rejection(ProcessIo.open({ stdout: path }, deadline, false));
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe("timeout");
    expect(err.message).toContain(path);
    expect(fdsOn(path)).toEqual([]);
    expect(openFds().length).toBe(before);
  });

  test("a timeout on stdout also releases the stdin FIFO opened before it", async () => {
    const stdin = fifo("stdin");
    const stdout = fifo("stdout");
    const before = openFds().length;
    const err = await rejection(ProcessIo.open({ stdin, stdout }, Date.now() + 20, false));
    expect(err.code).toBe("timeout");
    expect(fdsOn(stdin)).toEqual([]);
    expect(openFds().length).toBe(before);
  });

  test("with a reader it opens a blocking writer, and the shim's own read end keeps the writer from EPIPE", async () => {
    const path = fifo("stdout");
    const reader = clientReader(path);
    const io = await open({ stdout: path, stderr: path });
    const fd = io.stdio[1]; // stands in for the container's stdout
    expect(typeof fd).toBe("number");
    expect(io.stdio[2]).toBe(fd); // one fd for both when they name the same FIFO
    expect(io.captured).toEqual({ stdout: false, stderr: false });
    expect(flags(fd as number) & O_NONBLOCK).toBe(0); // the container must block, not get EAGAIN
    close(reader); // the client goes away
    expect(writeSync(fd as number, "kept")).toBe(4); // no EPIPE: the shim still holds a read end
    const back = clientReader(path); // a client that comes back finds the output waiting
    expect(readNow(back)).toBe("kept");
    // Once released, the FIFO has no shim end left at all.
    io.release();
    expect(readNow(back)).toBe("EOF");
    expect(fdsOn(path)).toEqual([back]);
  });

  test("writes through the handed-over fd reach the client", async () => {
    const path = fifo("stdout");
    const reader = clientReader(path);
    const io = await open({ stdout: path });
    writeSync(io.stdio[1] as number, "hello");
    expect(readNow(reader)).toBe("hello");
    expect(io.captured).toEqual({ stdout: false, stderr: true });
  });
});

describe("ProcessIo.open, stdin", () => {
  test("the process's stdin sees EOF only once closeStdin ran and the client's own writer closed", async () => {
    const path = fifo("stdin");
    const io = await open({ stdin: path });
    const stdin = io.stdio[0] as number;
    expect(flags(stdin) & O_NONBLOCK).toBe(0); // blocking for the container
    const client = tryOpenWriter(path)!; // the client opens its writer; the process's reader already exists
    expect(client).toBeNumber();
    toClose.push(client);
    setBlocking(stdin, false); // only so this test can look without blocking (the flag is ours alone here)

    writeSync(client, "line\n");
    expect(readNow(stdin)).toBe("line\n");
    close(client);
    expect(readNow(stdin)).toBe("EAGAIN"); // the client left, but the shim's writer keeps stdin open

    const again = tryOpenWriter(path)!; // a client reattaches and writes more
    toClose.push(again);
    writeSync(again, "more\n");
    io.closeStdin();
    expect(readNow(stdin)).toBe("more\n");
    expect(readNow(stdin)).toBe("EAGAIN"); // the shim let go, but this client still writes
    close(again);
    expect(readNow(stdin)).toBe("EOF");
    io.closeStdin(); // twice is fine
  });

  test("a missing stdin path is invalid_argument and leaves nothing open", async () => {
    const before = openFds().length;
    const err = await rejection(ProcessIo.open({ stdin: join(dir, "nope") }, soon(), false));
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe("invalid_argument");
    expect(err.message).toContain(join(dir, "nope"));
    expect(openFds().length).toBe(before);
  });

  test("a directory is invalid_argument for stdin and for stdout", async () => {
    for (const paths of [{ stdin: dir }, { stdout: dir }]) {
      const err = await rejection(ProcessIo.open(paths, soon(), false));
      expect(err.code).toBe("invalid_argument");
    }
  });

  test("a regular stdin file is opened for reading", async () => {
    const path = join(dir, "input");
    writeFileSync(path, "from a file");
    const io = await open({ stdin: path });
    expect(readNow(io.stdio[0] as number)).toBe("from a file");
    expect(io.stdinWriter).toBeUndefined();
  });
});

describe("ProcessIo.open, regular files", () => {
  test("missing output files are created, existing ones appended to, and our copies closed once handed over", async () => {
    const stdout = join(dir, "out.txt");
    const stderr = join(dir, "err.txt");
    writeFileSync(stderr, "old ");
    const io = await open({ stdout, stderr });
    expect(statSync(stdout).isFile()).toBe(true);
    expect(statSync(stdout).mode & 0o777).toBe(0o640 & ~process.umask());
    writeSync(io.stdio[1] as number, "out");
    writeSync(io.stdio[2] as number, "err");
    expect(readFileSync(stdout, "utf8")).toBe("out");
    expect(readFileSync(stderr, "utf8")).toBe("old err");
    io.handedToRuntime();
    expect(fdsOn(stdout)).toEqual([]);
    expect(fdsOn(stderr)).toEqual([]);
  });

  test("without paths, stdout and stderr are pipes the shim captures and stdin is ignored", async () => {
    const io = await open({});
    expect(io.stdio).toEqual(["ignore", "pipe", "pipe"]);
    expect(io.captured).toEqual({ stdout: true, stderr: true });
  });
});

describe("ProcessIo.open with a terminal", () => {
  test("the runtime gets no stdio fds; the shim holds a non-blocking stdin reader and the stdout writer", async () => {
    const stdin = fifo("stdin");
    const stdout = fifo("stdout");
    const reader = clientReader(stdout);
    const io = await open({ stdin, stdout }, soon(), true);
    expect(io.stdio).toEqual(["ignore", "ignore", "ignore"]);
    expect(io.captured).toEqual({ stdout: false, stderr: false });
    expect(io.terminalIn).toBeNumber();
    expect(io.terminalOut).toBeNumber();
    expect(flags(io.terminalIn!) & O_NONBLOCK).toBe(O_NONBLOCK); // the shim's event loop must never block on it
    io.handedToRuntime(); // nothing was handed over: the held fds stay
    writeSync(io.terminalOut!, "tty out");
    expect(readNow(reader)).toBe("tty out");
    io.release();
    expect(fdsOn(stdin)).toEqual([]);
    expect(fdsOn(stdout)).toEqual([reader]);
  });
});
