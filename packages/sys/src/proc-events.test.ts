import { expect, test } from "bun:test";
import { parseProcEvents, ProcEventListener, type ProcEventSink } from "./proc-events.ts";

/** A sink that records what it is told. */
function recorder() {
  const seen: string[] = [];
  const sink: ProcEventSink = { fork: (parent) => seen.push(`fork ${parent}`), exit: (pid) => seen.push(`exit ${pid}`) };
  return { seen, sink };
}

/** One 76-byte proc connector message of kind `what` with the event data words `data` (see the module doc). */
function message(what: number, data: number[]): Buffer {
  const buf = Buffer.alloc(76);
  buf.writeUInt32LE(76, 0);
  buf.writeUInt16LE(3, 4);
  buf.writeUInt32LE(1, 16);
  buf.writeUInt32LE(1, 20);
  buf.writeUInt16LE(40, 32);
  buf.writeUInt32LE(what >>> 0, 36);
  data.forEach((v, i) => buf.writeUInt32LE(v, 52 + 4 * i));
  return buf;
}

const fork = (parentPid: number, parentTgid: number, childPid: number, childTgid: number) => message(0x1, [parentPid, parentTgid, childPid, childTgid]);
const exit = (pid: number, tgid: number) => message(0x80000000, [pid, tgid, 0, 17, 1, 1]);

test("a process's fork gives its parent's process id, and a process's exit its id", () => {
  const { seen, sink } = recorder();
  const buf = Buffer.concat([fork(10, 10, 11, 11), exit(11, 11), fork(12, 7, 13, 13)]);
  parseProcEvents(buf, buf.length, sink);
  // The third fork came from a thread (12) of process 7: the parent is the process.
  expect(seen).toEqual(["fork 10", "exit 11", "fork 7"]);
});

test("a thread's start and end, the ack and other kinds of events are skipped", () => {
  const { seen, sink } = recorder();
  const buf = Buffer.concat([fork(10, 10, 21, 10), exit(21, 10), message(0, [0]), message(0x2, [30, 30]), message(0x40000000, [30, 30])]);
  parseProcEvents(buf, buf.length, sink);
  expect(seen).toEqual([]);
});

test("a torn or short message ends the parse without a wrong event", () => {
  const { seen, sink } = recorder();
  const whole = fork(10, 10, 11, 11);
  parseProcEvents(whole, 40, sink);
  const lying = Buffer.from(whole);
  lying.writeUInt32LE(200, 0);
  parseProcEvents(lying, lying.length, sink);
  const tiny = Buffer.from(whole);
  tiny.writeUInt32LE(8, 0);
  parseProcEvents(tiny, tiny.length, sink);
  expect(seen).toEqual([]);
});

test("a listener hears a child's fork (from this process) and the child's exit, and a drain never blocks", async () => {
  const listener = ProcEventListener.open();
  try {
    const { seen, sink } = recorder();
    expect(listener.drain(sink)).toBe(true);
    const child = Bun.spawn(["true"]);
    await child.exited;
    // The kernel queued both events before the child's exit was reported to its parent.
    expect(listener.drain(sink)).toBe(true);
    expect(seen).toContain(`fork ${process.pid}`);
    expect(seen).toContain(`exit ${child.pid}`);
    // A thread of this process (a Worker) starting is not a fork of a process.
    seen.length = 0;
    const worker = new Worker(URL.createObjectURL(new Blob(["postMessage(1)"])));
    await new Promise((resolve) => (worker.onmessage = resolve));
    worker.terminate();
    listener.drain(sink);
    expect(seen).not.toContain(`fork ${process.pid}`);
  } finally {
    listener.close();
  }
});

test("a listener left undrained while many processes come and go says events were lost, then goes on", async () => {
  const listener = ProcEventListener.open();
  try {
    const { seen, sink } = recorder();
    // 2000 forks and exits: far more than the socket's default buffer holds (a few hundred events).
    await Bun.spawn(["sh", "-c", "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done"]).exited;
    expect(listener.drain(sink)).toBe(false);
    const child = Bun.spawn(["true"]);
    await child.exited;
    expect(listener.drain(sink)).toBe(true);
    expect(seen).toContain(`exit ${child.pid}`);
  } finally {
    listener.close();
  }
});

test("outside the initial pid namespace the kernel does not answer, and open says so", async () => {
  const script = `import { ProcEventListener } from ${JSON.stringify(`${import.meta.dir}/proc-events.ts`)};
try { ProcEventListener.open(); console.log("opened"); } catch (err) { console.log(String(err)); }`;
  const child = Bun.spawn(["unshare", "--pid", "--fork", process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = [await new Response(child.stdout).text(), await new Response(child.stderr).text()];
  expect(await child.exited).toBe(0);
  expect(err).toBe("");
  expect(out).toContain("no acknowledgement");
});
