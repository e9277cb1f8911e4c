import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { closeFd } from "./fd.ts";
import { SysError } from "./libc.ts";
import {
  decodeWaitStatus, isChildSubreaper, pidfdOpen, pidfdSendSignal, processExists, reapPid, sendSignal,
} from "./process.ts";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("decodeWaitStatus", () => {
  // Raw wait(2) statuses as the kernel builds them: code << 8 for an exit, the signal number (| 0x80 with a core
  // dump) for a kill, 0x7f | sig << 8 for a stopped child.
  const rows: [name: string, raw: number, status: number][] = [
    ["exit 0", 0x0000, 0],
    ["exit 1", 0x0100, 1],
    ["exit 3", 0x0300, 3],
    ["exit 255", 0xff00, 255],
    ["killed by SIGKILL", 9, 137],
    ["killed by SIGTERM", 15, 143],
    ["killed by SIGSEGV with a core dump", 0x80 | 11, 139],
    ["killed by signal 64", 64, 192],
    ["stopped by SIGSTOP", (19 << 8) | 0x7f, 255],
  ];
  for (const [name, raw, status] of rows) {
    test(`${name} decodes to ${status}`, () => expect(decodeWaitStatus(raw)).toBe(status));
  }
});

describe("subreaper, orphan peek and reap (in a child process)", () => {
  test("an orphan is re-parented to the subreaper, peeked without reaping, then reaped once by pid", async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "testdata/orphan.ts")], {
      stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.peekWithNoChildren).toBeNull();
    expect(r.subreaperBefore).toBe(false);
    expect(r.subreaperAfter).toBe(true);
    expect(r.exitedParent).toBe(r.self);
    // Still running: nothing to peek, and reapPid does not block.
    expect(r.peekBeforeExit).toBeNull();
    expect(r.reapBeforeExit).toBeNull();
    // WNOWAIT: the same zombie twice, still there for kill(0).
    expect(r.firstPeek).toBe(r.exitedPid);
    expect(r.secondPeek).toBe(r.exitedPid);
    expect(r.existsAsZombie).toBe(true);
    expect(r.reaped).toBe(3);
    expect(r.reapedAgain).toBeNull();
    expect(r.existsAfterReap).toBe(false);
    expect(r.peekAfterReap).toBeNull();
    expect(r.runningExists).toBe(true);
    expect(r.killSent).toBe(true);
    expect(r.killedStatus).toBe(137);
    expect(r.signalAfterReap).toBe(false);
  });

  test("the test worker itself is not a subreaper", () => {
    expect(isChildSubreaper()).toBe(false);
  });
});

describe("signals and pidfds", () => {
  test("pidfdSendSignal kills through the pidfd and reports false once the process is gone", async () => {
    const proc = Bun.spawn(["sleep", "100"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    const pidfd = pidfdOpen(proc.pid);
    try {
      expect(pidfdSendSignal(pidfd, 0)).toBe(true);
      expect(pidfdSendSignal(pidfd, 9)).toBe(true);
      await proc.exited;
      expect(proc.signalCode).toBe("SIGKILL");
      expect(pidfdSendSignal(pidfd, 0)).toBe(false);
    } finally {
      closeFd(pidfd);
      proc.kill("SIGKILL");
    }
  });

  test("sendSignal and processExists follow a process from running to reaped", async () => {
    const proc = Bun.spawn(["sleep", "100"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      expect(processExists(proc.pid)).toBe(true);
      expect(sendSignal(proc.pid, 15)).toBe(true);
      await proc.exited;
      expect(proc.signalCode).toBe("SIGTERM");
      expect(processExists(proc.pid)).toBe(false);
      expect(sendSignal(proc.pid, 0)).toBe(false);
    } finally {
      proc.kill("SIGKILL");
    }
  });

  test("errors name the syscall, its subject and the errno", () => {
    const err = thrown(() => pidfdOpen(2 ** 31 - 1));
    expect(err).toBeInstanceOf(SysError);
    expect(err).toMatchObject({ syscall: "pidfd_open", errno: 3, code: "ESRCH", message: "pidfd_open 2147483647: ESRCH" });
    expect(() => pidfdSendSignal(1_000_000, 0)).toThrow("pidfd_send_signal 1000000: EBADF");
    expect(() => sendSignal(process.pid, 1000)).toThrow(`kill ${process.pid}: EINVAL`);
  });

  test("non-positive pids are refused before any syscall (never waitpid(-1) or kill(-1))", () => {
    expect(() => reapPid(-1)).toThrow(RangeError);
    expect(() => reapPid(0)).toThrow(RangeError);
    expect(() => sendSignal(-1, 0)).toThrow(RangeError);
    expect(processExists(0)).toBe(false);
    expect(processExists(-1)).toBe(false);
  });
});
