import { expect, test } from "bun:test";
import { SerialQueue } from "./queue.ts";

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets every queued microtask (and then-chain) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

test("work runs one item at a time, in the order it was queued", async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  const first = gate();
  const item = (name: string, wait?: Promise<void>) => async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    log.push(`start ${name}`);
    await wait;
    log.push(`end ${name}`);
    active--;
    return name;
  };
  const results = [q.run(item("a", first.promise)), q.run(item("b")), q.run(() => "c")];
  expect(q.length).toBe(3);
  await settle();
  expect(log).toEqual(["start a"]);
  first.open();
  expect(await Promise.all(results)).toEqual(["a", "b", "c"]);
  expect(log).toEqual(["start a", "end a", "start b", "end b"]);
  expect(maxActive).toBe(1);
  expect(q.length).toBe(0);
});

test("a failed item rejects its own caller and does not stop the next", async () => {
  const q = new SerialQueue();
  const failing = q.run(async () => {
    throw new Error("boom");
  });
  const throwing = q.run(() => {
    throw new Error("sync boom");
  });
  const next = q.run(async () => "still runs");
  await expect(failing).rejects.toThrow("boom");
  await expect(throwing).rejects.toThrow("sync boom");
  expect(await next).toBe("still runs");
  expect(q.length).toBe(0);
});

test("two queues never wait for each other", async () => {
  const blocked = new SerialQueue();
  const free = new SerialQueue();
  const g = gate();
  const stuck = blocked.run(() => g.promise);
  expect(await free.run(() => "done")).toBe("done");
  expect(blocked.length).toBe(1);
  g.open();
  await stuck;
});
