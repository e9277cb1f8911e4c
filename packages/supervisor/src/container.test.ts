import { expect, test } from "bun:test";
import type { Change } from "@berth/protocol";
import { StateLayout } from "@berth/state";
import { ContainerEntry } from "./container.ts";
import { ExecEntry } from "./exec.ts";
import { createLogger } from "./logger.ts";
import { PidTracker } from "./pids.ts";

const tracker = new PidTracker(createLogger("error"), () => {
  throw new Error("no process events in this test");
});

function entry(): ContainerEntry {
  const record = {
    id: "c1", bundlePath: "/b", labels: ["a=b"], noPivotRoot: false, runtime: "runc", runtimeArgs: [], createdAt: "2026-11-30T00:00:00.000000000Z",
    startTimeoutMs: 1000, logMaxBytes: 1 << 20, init: { args: ["sh"], env: [], cwd: "/", terminal: false, user: { uid: 0, gid: 0 } },
    restart: { policy: "always" as const },
  };
  return new ContainerEntry(record, new StateLayout("/nonexistent").container("c1"), tracker);
}

let n = 0;
const change = (type: Change["type"], pid = "init", more: Partial<Change> = {}): Change => ({ change: ++n, type, pid, at: `2026-11-30T00:00:0${n % 10}.000000000Z`, ...more });

test("the kept JSON is toApi's after every kind of change of the container and of its execs", () => {
  const c = entry();
  const exec = new ExecEntry({ pid: "e1", spec: { args: ["ls"], cwd: "/", user: { uid: 0, gid: 0 }, terminal: false, env: [] } as never });
  const steps: [string, () => void][] = [
    ["nothing yet", () => {}],
    ["start", () => c.apply(change("start-container"))],
    ["pause", () => c.apply(change("pause"))],
    ["resume", () => c.apply(change("resume"))],
    ["an exec added", () => c.execs.set("e1", exec)],
    ["its start", () => c.apply(change("start-process", "e1"))],
    ["its host pid", () => (exec.systemPid = 4242)],
    ["its exit", () => c.apply(change("exit", "e1", { status: 3 }))],
    ["the init's exit", () => c.apply(change("exit", "init", { status: 137 }))],
    ["a restart due", () => (c.restartAt = "2026-11-30T00:00:09.000000000Z")],
    ["a new life", () => c.apply(change("start-container"))],
    ["no restart due", () => (c.restartAt = undefined)],
    ["the host pid", () => (c.systemPid = 77)],
    ["the exec dropped", () => c.execs.delete("e1")],
  ];
  for (const [what, step] of steps) {
    c.json();
    step();
    expect({ what, text: c.json() }).toEqual({ what, text: JSON.stringify(c.toApi()) });
  }
});
