import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { createLogger } from "./logger.ts";
import { PidsReader } from "./cgroups.ts";
import { ContainerPids, PidTracker } from "./pids.ts";

const logger = createLogger("error");
const ROOT = "/sys/fs/cgroup/pids";

/** A pids cgroup of its own with a shell in it that runs the lines it is sent and answers each with `echo`. */
class Sandbox {
  readonly dir = `${ROOT}/berth-pids-test-${crypto.randomUUID().slice(0, 8)}`;
  readonly shell;
  private readonly lines;
  private buffered = "";

  constructor() {
    mkdirSync(this.dir);
    this.shell = Bun.spawn(["sh"], { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
    writeFileSync(`${this.dir}/cgroup.procs`, String(this.shell.pid));
    this.lines = this.shell.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The cgroup's processes as the kernel lists them, sorted. */
  kernel(): number[] {
    return readFileSync(`${this.dir}/cgroup.procs`, "utf8").split("\n").filter(Boolean).map(Number).sort((a, b) => a - b);
  }

  /** Runs `command` in the shell; resolves with the line it printed (each command must print one). */
  async run(command: string): Promise<string> {
    this.shell.stdin.write(`${command}\n`);
    this.shell.stdin.flush();
    while (!this.buffered.includes("\n")) {
      const { value, done } = await this.lines.read();
      if (done) throw new Error("shell gone");
      this.buffered += value;
    }
    const at = this.buffered.indexOf("\n");
    const line = this.buffered.slice(0, at);
    this.buffered = this.buffered.slice(at + 1);
    return line;
  }

  async close(): Promise<void> {
    for (const pid of this.kernel()) process.kill(pid, "SIGKILL");
    await this.shell.exited;
    while (this.kernel().length > 0) await Bun.sleep(5);
    rmdirSync(this.dir);
  }
}

/** A set over `box`'s cgroup that counts its cgroup.procs reads. */
function counted(tracker: PidTracker, box: Sandbox) {
  const reader = new PidsReader(box.shell.pid);
  const counter = { reads: 0 };
  const pids = new ContainerPids(tracker, { read: () => (counter.reads++, reader.read()) }, 0);
  return { pids, counter };
}

/** Resolves after the current synchronous turn (a tracker drains once per turn). */
const nextTurn = () => Promise.resolve();

const open: { box?: Sandbox; tracker?: PidTracker }[] = [];
afterEach(async () => {
  for (const { box, tracker } of open.splice(0)) {
    tracker?.close();
    await box?.close();
  }
});

function setUp(tracker: PidTracker) {
  const box = new Sandbox();
  open.push({ box, tracker });
  return { box, ...counted(tracker, box) };
}

describe("with process events", () => {
  test("the set follows forks and exits of its processes, and reads the cgroup only after one", async () => {
    const tracker = new PidTracker(logger);
    expect(tracker.listening).toBe(true);
    const { box, pids, counter } = setUp(tracker);
    expect(pids.read()).toEqual([box.shell.pid]);
    await nextTurn();
    expect(pids.read()).toEqual([box.shell.pid]);
    expect(counter.reads).toBe(1);
    // A child that stays.
    const child = Number(await box.run("sleep 1000 & echo $!"));
    await nextTurn();
    expect(pids.read()).toEqual(box.kernel());
    expect(pids.read()).toContain(child);
    expect(counter.reads).toBe(2);
    // A child that comes and goes (a fork, then an exit): the set is read again, and is as before.
    expect(await box.run("true; /bin/true; echo ok")).toBe("ok");
    await nextTurn();
    const before = pids.read();
    expect(before).toEqual(box.kernel());
    expect(counter.reads).toBe(3);
    await nextTurn();
    expect(pids.read()).toBe(before);
    // The child is killed: its exit takes it out.
    expect(await box.run(`kill -9 ${child}; wait ${child}; echo gone`)).toBe("gone");
    await nextTurn();
    expect(pids.read()).toEqual([box.shell.pid]);
    expect(box.kernel()).toEqual([box.shell.pid]);
  });

  test("another process's forks leave the set alone; an invalidate (an exec's start) reads it again", async () => {
    const tracker = new PidTracker(logger);
    const { pids, counter } = setUp(tracker);
    pids.read();
    await Bun.spawn(["true"]).exited;
    await nextTurn();
    pids.read();
    expect(counter.reads).toBe(1);
    pids.invalidate();
    pids.read();
    expect(counter.reads).toBe(2);
  });

  test("events the kernel dropped make every set stale", async () => {
    let intact = true;
    const tracker = new PidTracker(logger, () => ({ drain: () => intact, close: () => {} }));
    const { pids, counter } = setUp(tracker);
    pids.read();
    await nextTurn();
    pids.read();
    expect(counter.reads).toBe(1);
    intact = false;
    await nextTurn();
    pids.read();
    expect(counter.reads).toBe(2);
  });

  test("a released set lists nothing and reads nothing", () => {
    const tracker = new PidTracker(logger);
    const { pids, counter } = setUp(tracker);
    pids.read();
    pids.release();
    expect(pids.read()).toEqual([]);
    expect(counter.reads).toBe(1);
  });
});

describe("without process events", () => {
  test("when the listener cannot open, every read is the cgroup's, exact after forks and exits", async () => {
    const tracker = new PidTracker(logger, () => {
      throw new Error("not in the initial pid namespace");
    });
    expect(tracker.listening).toBe(false);
    const { box, pids, counter } = setUp(tracker);
    expect(pids.read()).toEqual([box.shell.pid]);
    const child = Number(await box.run("sleep 1000 & echo $!"));
    expect(pids.read()).toEqual([box.shell.pid, child].sort((a, b) => a - b));
    expect(await box.run(`kill -9 ${child}; wait ${child}; echo gone`)).toBe("gone");
    expect(pids.read()).toEqual([box.shell.pid]);
    expect(counter.reads).toBe(3);
  });

  test("a listener that fails is closed, and the sets are read at every use from then on", async () => {
    let closed = 0;
    const tracker = new PidTracker(logger, () => ({
      drain: () => {
        throw new Error("recv proc connector: EBADF");
      },
      close: () => void closed++,
    }));
    const { pids, counter } = setUp(tracker);
    pids.read();
    expect(tracker.listening).toBe(false);
    expect(closed).toBe(1);
    pids.read();
    expect(counter.reads).toBe(2);
  });
});
