/**
 * berthd under systemd: the unit passes `systemd-analyze verify`, and berthd speaks sd_notify's protocol to the
 * $NOTIFY_SOCKET it is given (a datagram socket this test binds): STATUS= lines while it restores, READY=1 only
 * once it listens and has restored every container, STOPPING=1 on SIGTERM.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Health } from "@berth/protocol";
import { ContainerLayout, readShimRecord } from "@berth/state";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { Daemon, REPO } from "./helpers/daemon.ts";

const ANALYZE = Bun.which("systemd-analyze");
if (!ANALYZE) console.log("systemd.test.ts: unit check skipped: systemd-analyze is not installed (Debian's systemd package)");
const PYTHON = Bun.which("python3");
if (!PYTHON) console.log("systemd.test.ts: notify check skipped: python3 (which binds the test's datagram socket) is missing");

test.skipIf(!ANALYZE)("scripts/berthd.service passes systemd-analyze verify with nothing to say", async () => {
  // The unit names /opt/berth and /usr/local/bin/bun (README); verify checks that ExecStart exists, so the copy
  // checked points at this checkout and this bun instead. Everything else is the unit as shipped.
  const dir = mkdtempSync(join(tmpdir(), "bt-unit-"));
  try {
    const unit = readFileSync(join(REPO, "scripts/berthd.service"), "utf8");
    expect(unit).toMatch(/^Type=notify$/m);
    const path = join(dir, "berthd.service");
    writeFileSync(path, unit.replaceAll("/usr/local/bin/bun", process.execPath).replaceAll("/opt/berth", REPO));
    const verify = Bun.spawn([ANALYZE!, "verify", path], { stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([verify.exited, new Response(verify.stdout).text(), new Response(verify.stderr).text()]);
    expect({ code, said: out + err }).toEqual({ code: 0, said: "" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Lines a reader yields, one at a time. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.getReader();
  let buffered = "";
  return async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended; left: ${JSON.stringify(buffered)}`);
      buffered += new TextDecoder().decode(value);
    }
    const at = buffered.indexOf("\n");
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return line;
  };
}

test.skipIf(!PYTHON)("READY=1 comes once berthd listens and has restored its containers, after STATUS lines; STOPPING=1 on SIGTERM", async () => {
  const first = await Daemon.start();
  const ids = [uid("notify"), uid("notify")];
  const notifyDir = mkdtempSync(join(tmpdir(), "bt-notify-"));
  let second: Daemon | undefined;
  const socket = join(notifyDir, "notify.sock");
  const receiver = Bun.spawn([PYTHON!, join(REPO, "packages/sys/src/testdata/recv_datagrams.py"), socket, "5"], { stdout: "pipe" });
  try {
    for (const id of ids) await first.create(id, bundle(["sleep", "1000"]));
    await first.kill();
    const next = lines(receiver.stdout);
    expect(await next()).toBe("bound");
    second = await Daemon.start({ stateDir: first.stateDir, env: { NOTIFY_SOCKET: socket } });
    const message = async () => JSON.parse(await next()) as string;
    expect(await message()).toBe("STATUS=restoring 2 containers");
    expect(await message()).toBe("STATUS=restored 1 of 2 containers");
    expect(await message()).toBe("STATUS=restored 2 of 2 containers");
    const ready = await message();
    // At READY=1 the API answers and every container is back.
    const health = await second.json<Health>("GET", "/healthz");
    const listed = await second.json<Container[]>("GET", "/v1/containers");
    expect(ready).toMatch(/^READY=1\nSTATUS=listening on unix:\/\/\S+berth\.sock, http:\/\/127\.0\.0\.1:\d+\/; 2 containers$/);
    expect(health.body).toEqual({ status: "ok", restoring: false });
    expect(listed.body.map((c) => c.id).sort()).toEqual([...ids].sort());
    // The variable is not handed on: a shim berthd starts does not see it.
    const third = uid("notify");
    await second.create(third, bundle(["sleep", "1000"]));
    const shim = readShimRecord(new ContainerLayout(join(second.stateDir, "containers", third)))!;
    expect(readFileSync(`/proc/${shim.pid}/environ`, "utf8").split("\0").filter((v) => v.startsWith("NOTIFY_SOCKET="))).toEqual([]);
    await second.kill("SIGTERM");
    expect(await message()).toBe("STOPPING=1\nSTATUS=stopping; containers keep running");
    expect(await receiver.exited).toBe(0);
  } finally {
    receiver.kill();
    await (second ?? first).cleanup();
    rmSync(notifyDir, { recursive: true, force: true });
    removeBundles();
  }
});
