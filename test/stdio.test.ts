/** Stdio: closing stdin, detaching from and re-attaching to FIFOs, output capture under a bound, logs. */
import { expect, test } from "bun:test";
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { closeFd, makeFifo, O_NONBLOCK, O_RDONLY, openFd } from "@berth/sys";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, useDaemon, isExit } from "./helpers/daemon.ts";
import { fifoReader } from "./helpers/fifo.ts";

const LOG_MAX = 1 << 20;
let d: Daemon;
useDaemon((daemon) => (d = daemon), { args: ["--log-max-size", String(LOG_MAX)] });


test("closeStdin: the process sees EOF once the client has closed its end too (cat exits 0)", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const stdin = join(fifoReader().path, "..", "stdin");
  makeFifo(stdin);
  const out = fifoReader();
  const events = d.events(`id=${id}&after=0`);
  const writer = openSync(stdin, "r+"); // a client end that never blocks
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "cat", args: ["cat"], stdin, stdout: out.path });
  expect(res.status).toBe(201);
  writeSync(writer, "hello\n");
  closeSync(writer);
  // The client is gone, but the shim's own end keeps stdin open: cat is still running.
  expect((await d.json<{ status: string }>("GET", `/v1/containers/${id}/processes/cat`)).body.status).toBe("running");
  expect((await d.fetch(`/v1/containers/${id}/processes/cat`, { method: "PATCH", body: JSON.stringify({ closeStdin: true }) })).status).toBe(204);
  expect((await events.until(isExit("cat"))).at(-1)!.data.status).toBe(0);
  events.close();
  expect(await out.text).toBe("hello\n");
  await d.signal(id, "SIGKILL");
});

test("a client can close its stdout FIFO and open it again without the process getting EPIPE or losing output", async () => {
  const id = uid();
  const path = join(fifoReader().path, "..", "stdout");
  makeFifo(path);
  // A first reader, so the shim's open finds one; then the client goes away and comes back.
  const first = openFd(path, O_RDONLY | O_NONBLOCK);
  const events = d.events(`id=${id}&after=0`);
  await d.create(id, bundle(["sh", "-c", "for i in $(seq 1 200); do echo line-$i; done; sleep 0.2; echo last; exit 0"]), { stdout: path });
  closeFd(first); // detached: the container keeps writing into the FIFO's buffer
  const again = Bun.file(path).stream();
  const text = await new Response(again).text();
  const lines = text.trim().split("\n");
  expect(lines).toEqual([...Array.from({ length: 200 }, (_, i) => `line-${i + 1}`), "last"]);
  expect((await events.until(isExit("init"))).at(-1)!.data.status).toBe(0);
  events.close();
}, 60_000);

test("a container writing 50 MiB with nobody reading finishes; the log keeps the newest bytes within its bound", async () => {
  const id = uid();
  await d.create(id, bundle(["sh", "-c", "yes 0123456789abcdef | head -c 52428800; echo; echo END-OF-OUTPUT; exec sleep 1000"]));
  // Follow the log until the marker: the writer was never blocked by the lack of a reader.
  const res = await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true&tail=0`);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let seen = "";
  while (!seen.includes("END-OF-OUTPUT")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("log stream ended early");
    seen = (seen + new TextDecoder().decode(value)).slice(-64);
  }
  await reader.cancel();
  const logs = join(d.stateDir, "containers", id, "logs");
  const total = readdirSync(logs).reduce((sum, f) => sum + statSync(join(logs, f)).size, 0);
  expect(total).toBeLessThanOrEqual(2 * LOG_MAX);
  const tail = await (await d.fetch(`/v1/containers/${id}/processes/init/logs?tail=2`)).text();
  // 50 MiB of 17-byte lines ends in a partial "0", then echo's newline, then the marker.
  expect(tail).toBe("0\nEND-OF-OUTPUT\n");
  await d.signal(id, "SIGKILL");
}, 60_000);

test("logs: tail gives the last lines; follow streams new output across rotation until the process ends", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const events = d.events(`id=${id}&after=0`);
  // Lines of 1 KiB, 3000 of them: about three rotations of the 1 MiB log while we follow.
  const script = "i=0; pad=$(head -c 1000 /dev/zero | tr '\\0' x); while [ $i -lt 3000 ]; do i=$((i+1)); echo \"$i $pad\"; done";
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "writer", args: ["sh", "-c", `sleep 0.2; ${script}`] });
  expect(res.status).toBe(201);
  const stream = await d.fetch(`/v1/containers/${id}/processes/writer/logs?follow=true`);
  const text = await stream.text(); // ends when the exec's output ends
  const numbers = text.trim().split("\n").map((l) => Number(l.split(" ")[0]));
  // Lines arrive in order, never twice, across rotations, to the last one. The log keeps two files: what was rotated
  // away before the follower took it (before it started, or while a loaded machine kept it from reading) is gone.
  expect(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!)).toBe(true);
  expect(numbers.at(-1)).toBe(3000);
  expect(numbers.length).toBeGreaterThan(1100); // more than one file's worth: it followed a rotation
  expect((await events.until(isExit("writer"))).at(-1)!.data.status).toBe(0);
  events.close();
  const tail = await (await d.fetch(`/v1/containers/${id}/processes/writer/logs?tail=2`)).text();
  expect(tail.split("\n").filter(Boolean).map((l) => Number(l.split(" ")[0]))).toEqual([2999, 3000]);
  const none = await d.json<{ error: { code: string } }>("GET", `/v1/containers/${id}/processes/nope/logs`);
  expect(none.status).toBe(404);
  await d.signal(id, "SIGKILL");
}, 60_000);

test("a container's captured output stays within its budget: logs of exited execs go first", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const events = d.events(`id=${id}&after=0`);
  // Six execs of 1.5 MiB each leave 2 MiB of files apiece; the container keeps at most 8 MiB.
  for (const n of [1, 2, 3, 4, 5, 6]) {
    const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: `w${n}`, args: ["sh", "-c", "head -c 1572864 /dev/zero"] });
    expect(res.status).toBe(201);
    expect((await events.until(isExit(`w${n}`))).at(-1)!.data.status).toBe(0);
  }
  events.close();
  const logs = join(d.stateDir, "containers", id, "logs");
  const total = readdirSync(logs).reduce((sum, f) => sum + statSync(join(logs, f)).size, 0);
  expect(total).toBeLessThanOrEqual(8 * LOG_MAX);
  // The oldest exec's older file went first; the newest exec's output is all there.
  expect(readdirSync(logs)).not.toContain("w1.log.1");
  expect(readdirSync(logs)).toEqual(expect.arrayContaining(["w6.log", "w6.log.1"]));
  await d.signal(id, "SIGKILL");
}, 60_000);

test("a follower that stops reading costs berthd no memory: the log is read only as fast as it is taken", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${d.proc.pid}/status`, "utf8"))![1]) * 1024;
  const events = d.events(`id=${id}&after=0`);
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "flood", args: ["sh", "-c", "sleep 0.1; head -c 104857600 /dev/zero"] });
  expect(res.status).toBe(201);
  const follow = await d.fetch(`/v1/containers/${id}/processes/flood/logs?follow=true`);
  const reader = follow.body!.getReader();
  await reader.read(); // one chunk, then nothing while 100 MiB go by
  const before = rss();
  await events.until(isExit("flood"));
  events.close();
  expect(rss() - before).toBeLessThan(48 << 20);
  await reader.cancel();
  await d.signal(id, "SIGKILL");
}, 60_000);
