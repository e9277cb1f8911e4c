import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sendDatagram } from "./datagram.ts";
import { SysError } from "./libc.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-dgram-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A receiver in Python (Bun cannot bind a unix datagram socket): resolves with the datagrams once `count` came. */
async function receive(address: string, count: number, send: () => void): Promise<string[]> {
  const peer = Bun.spawn(["python3", join(import.meta.dir, "testdata/recv_datagrams.py"), address, String(count)], { stdout: "pipe" });
  const reader = peer.stdout.getReader();
  let text = "";
  let sent = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    // Pipe reads may split a line: send once the whole "bound" line is there.
    if (!sent && text.startsWith("bound\n")) {
      text = text.slice("bound\n".length);
      sent = true;
      send();
    }
  }
  expect([await peer.exited, sent]).toEqual([0, true]);
  return text.trim().split("\n").map((l) => JSON.parse(l) as string);
}

test.skipIf(!Bun.which("python3"))("each message arrives as one datagram, at a path and at an abstract address", async () => {
  const path = join(dir, "notify.sock");
  expect(await receive(path, 2, () => {
    sendDatagram(path, "STATUS=restoring\n");
    sendDatagram(path, "READY=1\nSTATUS=ready");
  })).toEqual(["STATUS=restoring\n", "READY=1\nSTATUS=ready"]);
  const abstract = `@berth-test-${process.pid}`;
  expect(await receive(abstract, 1, () => sendDatagram(abstract, "READY=1"))).toEqual(["READY=1"]);
});

test("no listener is an error naming the socket; an address too long is ENAMETOOLONG", () => {
  const path = join(dir, "nobody.sock");
  expect(() => sendDatagram(path, "READY=1")).toThrow(new SysError("sendto", 2, path));
  expect(() => sendDatagram(`/${"x".repeat(200)}`, "READY=1")).toThrow("ENAMETOOLONG");
});
