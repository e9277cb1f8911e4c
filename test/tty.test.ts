/** Terminals and attach: a pty from the runtime's console socket, resize, and WebSocket sessions. */
import { expect, test } from "bun:test";
import { openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { makeFifo } from "@berth/sys";
import { bundle, uid } from "./helpers/bundles.ts";
import { Attach, type Daemon, useDaemon, isExit } from "./helpers/daemon.ts";
import { fifoReader } from "./helpers/fifo.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));


test("an init with process.terminal gets a pty; its output is captured like stdout", async () => {
  const id = uid();
  const events = d.events(`id=${id}&after=0`);
  await d.create(id, bundle(["sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty; sleep 1000"], { terminal: true }));
  const logs = await d.fetch(`/v1/containers/${id}/processes/init/logs?follow=true`);
  const reader = logs.body!.getReader();
  let text = "";
  while (!text.includes("stdin-is-a-tty")) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  expect(text).toContain("/dev/pts/0\r\n");
  await d.signal(id, "SIGKILL");
  await events.until(isExit("init"));
  events.close();
});

test("a terminal exec is resized through PATCH, and attach round-trips input and output", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "shell", args: ["sh"], terminal: true });
  expect(res.status).toBe(201);
  expect((await d.fetch(`/v1/containers/${id}/processes/shell`, { method: "PATCH", body: JSON.stringify({ width: 123, height: 45 }) })).status).toBe(204);
  const a = Attach.open(d, id, "shell");
  await a.opened;
  a.send("stty size; echo sum-$((40+2))\n");
  expect(await a.until("sum-42")).toContain("45 123");
  // A resize over the socket itself.
  a.ws.send(JSON.stringify({ resize: { width: 80, height: 24 } }));
  a.send("stty size\n");
  await a.until("24 80");
  a.send("exit 6\n");
  expect((await a.closed).code).toBe(1000);
  expect((await d.json("POST", `/v1/containers/${id}/processes/shell/wait`)).body).toEqual({ status: 6 });
  // A process without a terminal cannot be resized.
  const plain = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "plain", args: ["sleep", "1000"] });
  expect(plain.status).toBe(201);
  const resize = await d.json<{ error: { code: string } }>("PATCH", `/v1/containers/${id}/processes/plain`, { width: 10, height: 10 });
  expect([resize.status, resize.body.error.code]).toEqual([409, "failed_precondition"]);
  await d.signal(id, "SIGKILL");
});

test("attach works without a terminal; several clients see the same output; one leaving ends nothing", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const stdin = join(fifoReader().path, "..", "stdin");
  makeFifo(stdin);
  const hold = openSync(stdin, "r+"); // the client's own end, kept open
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "sh", args: ["sh"], stdin });
  expect(res.status).toBe(201);
  const one = Attach.open(d, id, "sh");
  const two = Attach.open(d, id, "sh");
  await Promise.all([one.opened, two.opened]);
  one.send("echo first-$((1+1))\n");
  await one.until("first-2");
  await two.until("first-2");
  one.ws.close(1000, "leaving");
  await one.closed;
  writeSync(hold, "echo second-$((2+2))\n"); // input from the client's FIFO and from attach mix
  await two.until("second-4");
  two.send("exit 0\n");
  expect((await two.closed).code).toBe(1000);
  expect((await d.json("POST", `/v1/containers/${id}/processes/sh/wait`)).body).toEqual({ status: 0 });
  await d.signal(id, "SIGKILL");
});

test("keystrokes sent as separate frames reach the process in the order they were sent", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "keys", args: ["sh"], terminal: true })).status).toBe(201);
  const a = Attach.open(d, id, "keys");
  await a.opened;
  const text = Array.from({ length: 300 }, (_, i) => "abcdefghijklmnopqrstuvwxyz"[i % 26]).join("");
  for (const ch of `echo typed-${text}-end\n`) a.send(ch); // one frame per key, as a browser terminal sends them
  await a.until(`\ntyped-${text}-end`);
  await d.signal(id, "SIGKILL");
});

test("attach to an unknown process is refused before the upgrade", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const a = Attach.open(d, id, "ghost");
  await expect(a.opened).rejects.toThrow();
  const plain = await d.fetch(`/v1/containers/${id}/processes/init/attach`);
  expect(plain.status).toBe(426);
  await d.signal(id, "SIGKILL");
});

test("several idle terminals in one container do not starve each other's input", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  for (const pid of ["t1", "t2", "t3", "t4"]) {
    expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid, args: ["sh"], terminal: true })).status).toBe(201);
  }
  const a = Attach.open(d, id, "t4");
  await a.opened;
  a.send("echo MARK$((40+2))\n");
  await a.until("MARK42");
  a.ws.close(1000);
  await d.signal(id, "SIGKILL");
});

test("a terminal's output goes to the client's stdout FIFO when one is given", async () => {
  const id = uid();
  await d.create(id, bundle(["sleep", "1000"]));
  const out = fifoReader();
  const res = await d.json("POST", `/v1/containers/${id}/processes`, { pid: "t", args: ["sh", "-c", "echo hi-$((6*7))"], terminal: true, stdout: out.path });
  expect(res.status).toBe(201);
  expect((await d.json("POST", `/v1/containers/${id}/processes/t/wait`)).body).toEqual({ status: 0 });
  expect(await out.text).toBe("hi-42\r\n");
  await d.signal(id, "SIGKILL");
});
