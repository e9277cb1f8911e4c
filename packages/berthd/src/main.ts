/**
 * berthd: wires flags, the supervisor, the API app and its listeners, and systemd's readiness protocol.
 * SIGTERM/SIGINT stop the API and leave every container and shim running.
 */
// First: Elysia reads NODE_ENV when it loads (production.ts says why).
import "./production.ts";
import { existsSync } from "node:fs";
import { attachHandlers, createApp, listen, loadOrCreateToken, parseListenAddress, Sessions } from "@berth/api";
import { InstallLayout, writeFileDurable } from "@berth/state";
import { createLogger, Supervisor } from "@berth/supervisor";
import { installReaper } from "@berth/sys";
import { parseFlags, USAGE } from "./flags.ts";
import { restoreWithStatus, systemdNotifier } from "./systemd.ts";
import { versionInfo } from "./version.ts";

// From the source tree or from dist/berthd.js alike (InstallLayout.of).
const install = InstallLayout.of(import.meta.dir);

function shimCommand(explicit?: string): string[] {
  if (explicit) return [explicit];
  return existsSync(install.shimBinary) ? [install.shimBinary] : [process.execPath, install.shimSource];
}

let flags;
try {
  flags = parseFlags(process.argv.slice(2));
} catch (err) {
  console.error(`berthd: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const logger = createLogger(flags.logLevel);
const notify = systemdNotifier(logger);
try {
  // berthd adopts (and reaps) the processes of a container whose shim died, so none is left a zombie.
  installReaper();
  const addresses = flags.listen.map(parseListenAddress);
  const supervisor = new Supervisor({
    stateDir: flags.stateDir,
    runtime: flags.runtime,
    runtimeArgs: flags.runtimeArgs,
    startTimeoutMs: flags.startTimeoutMs,
    retainCount: flags.retainCount,
    retainStopped: flags.retainStopped,
    shimCommand: shimCommand(flags.shim),
    logMaxBytes: flags.logMaxBytes,
    metricsPerContainer: flags.metricsPerContainer,
    logger,
  });
  const token = loadOrCreateToken(flags.tokenFile);
  const version = versionInfo(install, flags.runtime);
  supervisor.metrics.buildInfo(version);
  const sessions = new Sessions(token);
  const app = createApp(supervisor, { version, maxBodyBytes: flags.maxBodyBytes, demoBundle: flags.demoBundle ?? install.demoBundle, sessions, uiDir: install.uiDir });
  const tls = flags.tlsCert && flags.tlsKey ? { cert: flags.tlsCert, key: flags.tlsKey } : undefined;
  const handlers = { fetch: app.fetch, attach: attachHandlers(supervisor) };
  const servers = await Promise.all(addresses.map((a) => listen(a, handlers, { token, sessions, ...(tls ? { tls } : {}) })));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    notify.stopping(flags.stopContainersOnExit ? "stopping every container" : "stopping; containers keep running");
    if (flags.stopContainersOnExit) {
      logger.info("stopping every container", { signal, timeoutMs: flags.stopTimeoutMs });
      await supervisor.stopAll(flags.stopTimeoutMs);
    } else {
      logger.info("stopping; containers keep running", { signal });
    }
    for (const s of servers) s.stop(true);
    supervisor.close();
    process.exit(0);
  };
  process.on("SIGUSR1", () => {
    const dump = supervisor.diagnostics();
    // Whole or not at all: a reader never sees half a dump (temp file, fsync, rename).
    writeFileDurable(`${flags.stateDir}/diagnostics.json`, JSON.stringify(dump, null, 2));
    logger.info("diagnostic dump", { file: `${flags.stateDir}/diagnostics.json`, ...dump });
  });
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  logger.info("berthd listening", { urls: servers.map((s) => s.url.href), stateDir: flags.stateDir, pid: process.pid });
  // Served first, so /healthz answers (restoring: true) while the containers come back; ready once they are.
  await restoreWithStatus(supervisor, notify);
  notify.ready(`listening on ${servers.map((s) => s.url.href).join(", ")}; ${supervisor.list().length} containers`);
} catch (err) {
  logger.error("berthd failed to start", { error: (err as Error).message });
  process.exit(1);
}
