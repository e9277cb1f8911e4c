/**
 * The state dir layout: every path Berth keeps on disk is built here and nowhere else.
 *
 *   <state>/berth.sock                    default unix API listener
 *   <state>/api-token                     bearer token for TCP listeners (0600)
 *   <state>/events.jsonl                  event journal, one JSON event per line
 *   <state>/trash/                        released container dirs on their way out (emptied at start)
 *   <state>/containers/<id>/              one dir per container (0700), removed when the container is released
 *     container.json                      ContainerRecord: what was asked for, written by berthd before the shim starts
 *     shim.json                           ShimRecord: the shim's pid and start time, written by the shim
 *     shim.sock                           the shim's RPC socket
 *     shim.log                            the shim's own log
 *     <pid>.pid                           runc's pid file of a process ("init" or an exec id)
 *     processes/<exec>.json               ProcessRecord of an exec: what was asked for, written by berthd first
 *     processes/<exec>.spec.json          the OCI process spec the shim hands to `runc exec --process`
 *     changes.jsonl                       the change log: every event of the container (starts, exits, oom, pause, …),
 *                                         numbered, written durably by the shim (by berthd after the shim died) first
 *     logs/<pid>.log, logs/<pid>.log.1    captured output when stdout/stderr were not given (current and rotated)
 *     logs/<pid>.log.times, .times.1      when each part of the log was written (log-times.ts), rotated with it
 *     runc/                               runc's JSON logs, one file per call, removed after a successful call
 *     reported                            the number of the last change berthd journaled (survives journal compaction)
 *     cleaned                             the runtime's container, the shim and the cgroups are gone (written by berthd)
 */
import { join } from "node:path";

/** The rotated file of a captured log (`<pid>.log.1`), or of its time index: the one place the name is built. */
export function rotatedLog(logPath: string): string {
  return `${logPath}.1`;
}

/** The time index beside a capture log (log-times.ts), `<pid>.log.times`; rotatedLog names its rotated twin. */
export function logTimesPath(logPath: string): string {
  return `${logPath}.times`;
}

export class StateLayout {
  constructor(readonly root: string) {}

  get socket(): string {
    return join(this.root, "berth.sock");
  }
  get tokenFile(): string {
    return join(this.root, "api-token");
  }
  get journal(): string {
    return join(this.root, "events.jsonl");
  }
  get containersDir(): string {
    return join(this.root, "containers");
  }
  /** Released containers' dirs, moved out of the way (the id is free at once) and removed in the background. */
  get trashDir(): string {
    return join(this.root, "trash");
  }
  container(id: string): ContainerLayout {
    return new ContainerLayout(join(this.containersDir, id));
  }
}

export class ContainerLayout {
  constructor(readonly dir: string) {}

  get record(): string {
    return join(this.dir, "container.json");
  }
  get shimRecord(): string {
    return join(this.dir, "shim.json");
  }
  get socket(): string {
    return join(this.dir, "shim.sock");
  }
  get shimLog(): string {
    return join(this.dir, "shim.log");
  }
  get logsDir(): string {
    return join(this.dir, "logs");
  }
  get runcLogDir(): string {
    return join(this.dir, "runc");
  }
  get processesDir(): string {
    return join(this.dir, "processes");
  }
  /** The change log (state/changes.ts). */
  get changes(): string {
    return join(this.dir, "changes.jsonl");
  }
  /** Present once the container's runtime resources are gone: a restore need not delete it again. */
  get cleaned(): string {
    return join(this.dir, "cleaned");
  }
  /** The last change berthd journaled, so no restart reports it again. */
  get reported(): string {
    return join(this.dir, "reported");
  }
  processRecord(pid: string): string {
    return join(this.processesDir, `${pid}.json`);
  }
  processSpec(pid: string): string {
    return join(this.processesDir, `${pid}.spec.json`);
  }
  pidFile(pid: string): string {
    return join(this.dir, `${pid}.pid`);
  }
  log(pid: string): string {
    return join(this.logsDir, `${pid}.log`);
  }
}
