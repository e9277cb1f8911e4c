import { describe, expect, test } from "bun:test";
import { BerthError, type Logger, type ProcessState } from "@berth/protocol";
import { Lifecycle } from "./lifecycle.ts";
import { execStates, initStates, type ProcessWork } from "./states.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
type Op = "start" | "signal" | "exec" | "pause" | "resume" | "update" | "checkpoint" | "resize" | "closeStdin" | "delete";
const OPS: Op[] = ["start", "signal", "exec", "pause", "resume", "update", "checkpoint", "resize", "closeStdin", "delete"];

/** A process kind whose work only records what was called; no runtime, no process. */
function fake() {
  const calls: string[] = [];
  let change = 0;
  const work: ProcessWork = {
    start: async () => (calls.push("start"), ++change),
    signal: async (s) => void calls.push(`signal ${s}`),
    exec: async () => (calls.push("exec"), { systemPid: 42, change: ++change }),
    pause: async () => (calls.push("pause"), ++change),
    resume: async () => (calls.push("resume"), ++change),
    thaw: async () => void calls.push("thaw"),
    update: async () => (calls.push("update"), ++change),
    checkpoint: async () => (calls.push("checkpoint"), ++change),
    resize: () => void calls.push("resize"),
    closeStdin: () => void calls.push("closeStdin"),
    delete: async () => void calls.push("delete"),
  };
  return { calls, work };
}

function run(p: Lifecycle, op: Op): Promise<unknown> {
  switch (op) {
    case "signal": return p.signal(15);
    case "exec": return p.exec("e1");
    case "update": return p.update({ pidsLimit: 10 });
    case "checkpoint": return p.checkpoint({ imagePath: "/x", workPath: "/x/w", leaveRunning: true, tcp: false, unixSockets: false, shell: false, emptyNamespaces: [] });
    case "resize": return p.resize(80, 24);
    default: return p[op]();
  }
}

/** A process of `kind` brought to `state` through legal operations and an exit. */
async function inState(kind: "init" | "exec", state: ProcessState) {
  const { calls, work } = fake();
  const p = new Lifecycle(kind === "init" ? "init" : "e1", kind === "init" ? "container c1" : "process e1 of container c1", kind === "init" ? initStates : execStates, work, quiet);
  if (state !== "created") await p.start();
  if (state === "paused") await p.pause();
  if (state === "stopped" || state === "deleted") await p.exited();
  if (state === "deleted") await p.delete();
  expect(p.state).toBe(state);
  calls.length = 0;
  return { p, calls };
}

/** What each operation does in each state: the state it leads to, or the refusal. */
const INIT: Record<ProcessState, Partial<Record<Op, ProcessState | "refused" | "same">>> = {
  created: { start: "running", signal: "same", exec: "refused", pause: "refused", resume: "refused", update: "refused", checkpoint: "refused", resize: "same", closeStdin: "same", delete: "deleted" },
  running: { start: "refused", signal: "same", exec: "same", pause: "paused", resume: "same", update: "same", checkpoint: "same", resize: "same", closeStdin: "same", delete: "refused" },
  paused: { start: "refused", signal: "same", exec: "refused", pause: "same", resume: "running", update: "same", checkpoint: "same", resize: "same", closeStdin: "same", delete: "refused" },
  stopped: { start: "refused", signal: "refused", exec: "refused", pause: "refused", resume: "refused", update: "refused", checkpoint: "refused", resize: "refused", closeStdin: "refused", delete: "deleted" },
  deleted: { start: "refused", signal: "refused", exec: "refused", pause: "refused", resume: "refused", update: "refused", checkpoint: "refused", resize: "refused", closeStdin: "refused", delete: "same" },
};
const container = ["exec", "pause", "resume", "update", "checkpoint"] as const;
const EXEC: Partial<Record<ProcessState, Partial<Record<Op, ProcessState | "refused" | "same">>>> = {
  created: { ...INIT.created, ...Object.fromEntries(container.map((op) => [op, "refused"])), delete: "refused" },
  running: { ...INIT.running, ...Object.fromEntries(container.map((op) => [op, "refused"])) },
  stopped: INIT.stopped,
  deleted: INIT.deleted,
};

for (const [kind, table] of [["init", INIT], ["exec", EXEC]] as const) {
  describe(`${kind}: every operation in every state`, () => {
    for (const [state, row] of Object.entries(table) as [ProcessState, Record<Op, string>][]) {
      for (const op of OPS) {
        const want = row[op]!;
        test(`${op} in ${state}: ${want}`, async () => {
          const { p, calls } = await inState(kind, state);
          if (want === "refused") {
            const err = await run(p, op).then(() => undefined, (e) => e);
            expect(err).toBeInstanceOf(BerthError);
            expect((err as BerthError).code).toBe("failed_precondition");
            // The refusal names the operation and the state.
            expect((err as BerthError).message).toContain(`${state}`);
            expect((err as BerthError).message).toStartWith(`cannot ${op === "exec" ? "exec in" : op === "closeStdin" ? "close stdin of" : op}`);
            expect(calls).toEqual([]);
            expect(p.state).toBe(state);
          } else {
            await run(p, op);
            expect(p.state).toBe(want === "same" ? state : (want as ProcessState));
          }
        });
      }
    }
  });
}

test("a refusal reads as the sketch has it: cannot exec in paused container c1", async () => {
  const { p } = await inState("init", "paused");
  await expect(p.exec("e1")).rejects.toThrow("cannot exec in paused container c1");
});

test("an exit is accepted in every live state and ignored (never thrown) after it", async () => {
  for (const state of ["created", "running", "paused"] as const) {
    const { p } = await inState("init", state);
    await p.exited();
    expect(p.state).toBe("stopped");
  }
  for (const state of ["stopped", "deleted"] as const) {
    const { p } = await inState("init", state);
    await p.exited();
    expect(p.state).toBe(state);
  }
});

test("a SIGKILL to a paused init also thaws it, so the kill lands; other signals do not", async () => {
  const { p, calls } = await inState("init", "paused");
  await p.signal(15);
  expect(calls).toEqual(["signal 15"]);
  await p.signal(9);
  expect(calls).toEqual(["signal 15", "signal 9", "thaw"]);
});

test("an exit during a pause wins: the pause reports the process gone and the state stays stopped", async () => {
  const { calls, work } = fake();
  let release!: () => void;
  work.pause = async () => {
    await new Promise<void>((r) => (release = r));
    return 7;
  };
  const p = new Lifecycle("init", "container c1", initStates, work, quiet);
  await p.start();
  const pausing = p.pause();
  await Bun.sleep(0);
  await p.exited(); // not queued behind the pause
  expect(p.state).toBe("stopped");
  release();
  await expect(pausing).rejects.toThrow("exited meanwhile");
  expect(calls).toEqual(["start"]);
});

test("an exit waits for a start in flight, so a start is never lost to an instant exit", async () => {
  const { work } = fake();
  let release!: () => void;
  work.start = async () => {
    await new Promise<void>((r) => (release = r));
    return 1;
  };
  const p = new Lifecycle("init", "container c1", initStates, work, quiet);
  const starting = p.start();
  await Bun.sleep(0);
  const exited = p.exited();
  expect(p.state).toBe("created");
  release();
  expect(await starting).toBe(1);
  await exited;
  expect(p.state).toBe("stopped");
});
