/**
 * The process operations of a container: add an exec, get, wait, close stdin or resize, read logs, attach.
 * Each finds the container (404 when unknown) and the process, then asks the shim; ordering per container goes
 * through the container's queue where state changes.
 */
import { rmSync } from "node:fs";
import {
  type AddProcess, BerthError, type LogsQuery, type Process, type ProcessPatch, wrapError,
} from "@berth/protocol";
import { writeProcessRecord } from "@berth/state";
import { type AttachSession, type AttachSink, openAttach } from "./attach.ts";
import { checkStdioPaths } from "./client-paths.ts";
import type { ContainerEntry } from "./container.ts";
import { ExecEntry, execRecord, readBundleProcess } from "./exec.ts";
import { followLog, hasLog } from "./logs.ts";
import type { Supervisor } from "./supervisor.ts";

export class Processes {
  constructor(private readonly supervisor: Supervisor) {}

  async add(id: string, request: AddProcess): Promise<Process> {
    const entry = this.supervisor.container(id);
    const { pid } = request;
    await checkStdioPaths(request, this.supervisor.config.stateDir);
    const defaults = await readBundleProcess(entry.record.bundlePath);
    if (pid === "init" || entry.execs.has(pid)) throw new BerthError("already_exists", `process ${pid} already exists in container ${id}`);
    const exec = new ExecEntry(execRecord(request, defaults));
    entry.execs.set(pid, exec);
    // Not on the container's queue: the shim may wait up to the start timeout for a FIFO reader, and a signal
    // or a delete of the container must not wait behind that. The outcome goes through the queue.
    let systemPid: number;
    try {
      if (entry.status !== "running" || !entry.shim) throw new BerthError("failed_precondition", `container ${id} is ${entry.status}`);
      writeProcessRecord(entry.layout, exec.record);
      const shim = entry.shim;
      systemPid = (await this.supervisor.metrics.time("exec", () => shim.call("exec", { pid }))).systemPid;
    } catch (err) {
      entry.execs.delete(pid);
      rmSync(entry.layout.processRecord(pid), { force: true });
      rmSync(entry.layout.processSpec(pid), { force: true }); // the shim writes it before it runs the exec
      throw wrapError(`exec ${pid} in container ${id}`, err);
    }
    return entry.queue.run(() => {
      if (entry.status === "released") throw new BerthError("not_found", `container ${id} exited while exec ${pid} started`);
      exec.systemPid = systemPid;
      exec.status = "running";
      this.supervisor.report(entry, { type: "start-process", id, pid });
      // An exit the shim told while the exec was still being started is reported now, after its start.
      if (exec.earlyExit) this.supervisor.execExited(entry, pid, exec.earlyExit.status, exec.earlyExit.exitedAt);
      return exec.toApi();
    });
  }

  get(id: string, pid: string): Process {
    const container = this.supervisor.get(id);
    const process = container.processes.find((p) => p.pid === pid);
    if (!process) throw new BerthError("not_found", `process ${pid} not found in container ${id}`);
    return process;
  }

  /** The exit status, once the process has exited; at once if it already has. */
  async wait(id: string, pid: string): Promise<{ status: number }> {
    let entry: ContainerEntry;
    try {
      entry = this.supervisor.container(id);
    } catch (err) {
      const recent = pid === "init" ? this.supervisor.recentExits.get(id) : undefined;
      if (recent !== undefined) return { status: recent };
      throw err;
    }
    if (pid === "init") {
      await entry.released;
      return { status: this.supervisor.recentExits.get(id) ?? 255 };
    }
    return { status: await this.exec(entry, pid).exited };
  }

  async update(id: string, pid: string, patch: ProcessPatch): Promise<void> {
    const entry = this.supervisor.container(id);
    this.find(entry, pid);
    if ((patch.width === undefined) !== (patch.height === undefined)) {
      throw new BerthError("invalid_argument", "width and height go together");
    }
    await entry.queue.run(async () => {
      const shim = this.shimOf(entry);
      if (patch.closeStdin) await shim.call("closeStdin", { pid });
      if (patch.width !== undefined && patch.height !== undefined) await shim.call("resize", { pid, width: patch.width, height: patch.height });
    });
  }

  /** Captured output, the last `tail` lines, then (with follow) new output until the process's output ends. */
  logs(id: string, pid: string, query: LogsQuery): ReadableStream<Uint8Array> {
    const entry = this.supervisor.container(id);
    const path = entry.layout.log(pid);
    const proc = this.find(entry, pid);
    if (!hasLog(path)) throw new BerthError("failed_precondition", `process ${pid} has no captured output: its stdout and stderr go to the client's paths`);
    const ended = pid === "init" ? entry.released : proc instanceof ExecEntry ? proc.exited.then(() => {}) : entry.released;
    return followLog(path, { tail: query.tail, follow: query.follow ?? false, until: ended });
  }

  /** A live session on the process's output and input; see attach.ts. */
  async attach(id: string, pid: string, sink: AttachSink): Promise<AttachSession> {
    const entry = this.supervisor.container(id);
    this.find(entry, pid);
    return openAttach(entry.layout, pid, sink);
  }

  private find(entry: ContainerEntry, pid: string): ExecEntry | "init" {
    return pid === "init" ? "init" : this.exec(entry, pid);
  }

  private exec(entry: ContainerEntry, pid: string): ExecEntry {
    const exec = entry.execs.get(pid);
    if (!exec || exec.status === "creating") throw new BerthError("not_found", `process ${pid} not found in container ${entry.id}`);
    return exec;
  }

  private shimOf(entry: ContainerEntry) {
    if (!entry.shim || (entry.status !== "running" && entry.status !== "paused")) {
      throw new BerthError("not_found", `container ${entry.id} not found`);
    }
    return entry.shim;
  }
}
