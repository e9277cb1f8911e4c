import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readlinkSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConsoleSocket, setWindowSize } from "./console.ts";
import { closeFd } from "./fd.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/berth-console-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Sending an fd needs sendmsg(SCM_RIGHTS), which Bun cannot do either: a few lines of Python play runc's part.
test.skipIf(!Bun.which("python3"))("receives a pty master sent with SCM_RIGHTS, and TIOCSWINSZ on it reaches the slave", async () => {
  const path = join(dir, "console.sock");
  const sock = ConsoleSocket.listen(path);
  let master: number | undefined;
  const peer = Bun.spawn(["python3", join(import.meta.dir, "testdata/send_pty.py"), path], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  try {
    expect(statSync(path).isSocket()).toBe(true);
    // Waits for the peer to connect and send (bounded): tryReceive never blocks.
    for (const end = Date.now() + 5000; master === undefined && Date.now() < end; await Bun.sleep(1)) master = sock.tryReceive();
    expect(master).toBeNumber();
    expect(readlinkSync(`/proc/self/fd/${master}`)).toBe("/dev/ptmx");
    setWindowSize(master!, 33, 101);
    peer.stdin.write("go\n");
    await peer.stdin.end();
    expect(await new Response(peer.stdout).text()).toBe("33 101\n");
    expect(await peer.exited).toBe(0);
  } finally {
    peer.kill();
    if (master !== undefined) closeFd(master);
    sock.close();
  }
});

test("tryReceive gives undefined while nobody has connected", () => {
  const sock = ConsoleSocket.listen(join(dir, "idle.sock"));
  try {
    expect(sock.tryReceive()).toBeUndefined();
  } finally {
    sock.close();
  }
});

test("a relative path binds against the cwd; a path longer than sun_path is refused", () => {
  const previous = process.cwd();
  process.chdir(dir);
  let sock: ConsoleSocket;
  try {
    sock = ConsoleSocket.listen("rel.sock");
  } finally {
    process.chdir(previous);
  }
  expect(statSync(join(dir, "rel.sock")).isSocket()).toBe(true);
  sock.close();
  const long = join(dir, "x".repeat(120));
  expect(() => ConsoleSocket.listen(long)).toThrow(`bind ${long}: `);
});

test("setWindowSize on something that is not a terminal names the ioctl and the errno", () => {
  expect(() => setWindowSize(1_000_000, 24, 80)).toThrow("ioctl(TIOCSWINSZ) 1000000: EBADF");
});
