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
 *     exits/<pid>.json                    ExitRecord per process, written durably by the shim before anyone is told
 *     oom.json                            OomRecord: the memory cgroup had OOM kills; written by the shim at the init's exit
 *     logs/<pid>.log, logs/<pid>.log.1    captured output when stdout/stderr were not given (current and rotated)
 *     runc/                               runc's JSON logs, one file per call, removed after a successful call
 *     reported/<type>.<pid>               an empty file per event of this container already in the journal
 */
import { join } from "node:path";

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
  get exitsDir(): string {
    return join(this.dir, "exits");
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
  /** Marks that an event of this container was journaled, so no restart reports it again. */
  reported(type: string, pid = ""): string {
    return join(this.dir, "reported", `${type}.${pid}`);
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
  get oomRecord(): string {
    return join(this.dir, "oom.json");
  }
  exitRecord(pid: string): string {
    return join(this.exitsDir, `${pid}.json`);
  }
  log(pid: string): string {
    return join(this.logsDir, `${pid}.log`);
  }
}
