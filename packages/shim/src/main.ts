/**
 * berth-shim <container-dir>: one per container, started detached by berthd. Becomes a child subreaper, serves
 * line-JSON RPC on <container-dir>/shim.sock, drives the runtime for its container (container.ts), reaps it,
 * records every change on disk and exits once the container is deleted from the runtime. It keeps doing all of
 * that while no supervisor is connected.
 */
import { mkdirSync, rmSync } from "node:fs";
import { installReaper, processStartTime, spawn } from "@berth/sys";
import { type RpcConnection, SHIM_PROTOCOL_VERSION } from "@berth/protocol";
import { Runc } from "@berth/runtime";
import { ContainerLayout, readContainerRecord, writeShimRecord } from "@berth/state";
import { ShimContainer } from "./container.ts";
import { fileLogger } from "./log.ts";
import { serveShim } from "./rpc.ts";

/** How long a finished shim waits for answers still in flight before it exits anyway. */
const IDLE_WAIT_MS = 5000;

const dir = process.argv[2];
if (!dir) {
  console.error("usage: berth-shim <container-dir>");
  process.exit(2);
}
const layout = new ContainerLayout(dir);
process.chdir(dir);
const record = readContainerRecord(layout);
if (!record) {
  console.error(`berth-shim: no readable container record in ${dir}`);
  process.exit(1);
}
mkdirSync(layout.logsDir, { recursive: true, mode: 0o700 });
const log = fileLogger(layout.shimLog, record.id);
// Only SIGKILL stops a shim: a terminal hang-up, a group signal or a closed pipe must not orphan a container.
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP", "SIGPIPE", "SIGUSR1", "SIGUSR2"] as const) process.on(sig, () => {});
installReaper();
// A shim that dies takes its container down with it (berthd kills it): an error nobody caught is logged, not fatal.
process.on("uncaughtException", (err) => log.error("uncaught error", { error: String(err), stack: err.stack }));
process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));

const runc = new Runc({
  binary: record.runtime,
  globalArgs: record.runtimeArgs,
  logDir: layout.runcLogDir,
  timeoutMs: record.startTimeoutMs,
  spawn,
});
const clients = new Set<RpcConnection>();
const container = new ShimContainer(record, layout, runc, log, (event, params) => {
  for (const c of clients) c.notify(event, params);
});
// The socket of a shim of this container's previous life (a restart) is stale: that shim has exited.
rmSync(layout.socket, { force: true });
const { idle } = serveShim(layout.socket, container, clients, { starting: () => clearTimeout(orphanTimer) });
writeShimRecord(layout, { pid: process.pid, startTime: processStartTime(process.pid) ?? "", protocol: SHIM_PROTOCOL_VERSION });
log.info("shim ready", { pid: process.pid });

// berthd asks for the start right after the socket is up; a shim nobody drives must not linger.
const orphanTimer = setTimeout(() => {
  log.warn("no start request before the start timeout; exiting");
  process.exit(1);
}, record.startTimeoutMs + 1000);

container.done.then(async (outcome) => {
  clearTimeout(orphanTimer);
  // A container that exits at once is torn down while berthd may still wait for the answer to its start.
  await Promise.race([idle(), Bun.sleep(IDLE_WAIT_MS)]);
  for (const c of clients) c.notify("deleted", outcome);
  // Exits without touching the state dir: berthd may be replacing it already (its socket file goes with it).
  process.exit(0);
});
