/**
 * The process operations of a container: add an exec, get, wait, close stdin or resize, read logs, attach. Each
 * finds the container (404 when unknown) and the process; state-changing calls go to the shim, whose state
 * objects decide ("cannot exec in paused container c1"). Stopped containers answer get, wait and logs.
 */
import { rmSync } from "node:fs";
import { type AddProcess, BerthError, type LogsQuery, type Process, type ProcessPatch, wrapError } from "@berth/protocol";
import { writeProcessRecord } from "@berth/state";
import { type AttachSession, type AttachSink, openAttach } from "./attach.ts";
import { checkStdioPaths } from "./client-paths.ts";
import type { ContainerEntry } from "./container.ts";
import type { Context } from "./context.ts";
import { ExecEntry, execRecord, readBundleProcess } from "./exec.ts";
import { followLog, hasLog, logLines } from "./logs.ts";

export class Processes {
  constructor(private readonly ctx: Context) {}

  /** Runs an exec; answers once it runs and its start-process is journaled. */
  async add(id: string, request: AddProcess): Promise<Process> {
    const entry = this.ctx.registry.get(id);
    const { pid } = request;
    const taken = () => pid === "init" || entry.execs.has(pid);
    if (taken()) throw new BerthError("already_exists", `process ${pid} already exists in container ${id}`);
    await checkStdioPaths(request, this.ctx.config.stateDir);
    const defaults = await readBundleProcess(entry.record.bundlePath);
    if (taken()) throw new BerthError("already_exists", `process ${pid} already exists in container ${id}`);
    if (!entry.shim || !entry.live) throw new BerthError("failed_precondition", `cannot exec in stopped container ${id}`);
    const exec = new ExecEntry(execRecord(request, defaults));
    entry.execs.set(pid, exec);
    // Not on the container's queue: the shim may wait up to the start timeout for a FIFO reader, and a signal
    // or a delete of the container must not wait behind that.
    try {
      writeProcessRecord(entry.layout, exec.record);
      const shim = entry.shim;
      const { systemPid, change } = await this.ctx.metrics.time("exec", () => shim.call("exec", { pid }));
      exec.systemPid = systemPid;
      await this.ctx.relay.published(entry, change, this.ctx.config.startTimeoutMs);
    } catch (err) {
      if (!exec.visible) {
        entry.execs.delete(pid);
        rmSync(entry.layout.processRecord(pid), { force: true });
      }
      throw wrapError(`exec ${pid} in container ${id}`, err);
    }
    return exec.asStarted ?? exec.toApi();
  }

  get(id: string, pid: string): Process {
    const process = this.ctx.registry.get(id).toApi().processes.find((p) => p.pid === pid);
    if (!process) throw new BerthError("not_found", `process ${pid} not found in container ${id}`);
    return process;
  }

  /** The exit status, once the process's exit is journaled; at once if it already is. */
  async wait(id: string, pid: string): Promise<{ status: number }> {
    const entry = this.ctx.registry.get(id);
    if (pid === "init") return { status: await entry.stopped.promise };
    return { status: await this.exec(entry, pid).exited };
  }

  async update(id: string, pid: string, patch: ProcessPatch): Promise<void> {
    const entry = this.ctx.registry.get(id);
    this.find(entry, pid);
    if ((patch.width === undefined) !== (patch.height === undefined)) {
      throw new BerthError("invalid_argument", "width and height go together");
    }
    await entry.queue.run(async () => {
      if (!entry.shim || !entry.live) throw new BerthError("failed_precondition", `cannot change process ${pid} of stopped container ${id}`);
      if (patch.closeStdin) await entry.shim.call("closeStdin", { pid });
      if (patch.width !== undefined && patch.height !== undefined) await entry.shim.call("resize", { pid, width: patch.width, height: patch.height });
    });
  }

  /** Captured output, the last `tail` lines, then (with follow) new output until the process's output ends. */
  logs(id: string, pid: string, query: LogsQuery): ReadableStream<Uint8Array> {
    const entry = this.ctx.registry.get(id);
    const path = entry.layout.log(pid);
    const proc = this.find(entry, pid);
    if (!hasLog(path)) throw new BerthError("failed_precondition", `process ${pid} has no captured output: its stdout and stderr go to the client's paths`);
    // The init's output has drained once the container is cleaned up; an exec's before its exit is recorded.
    const ended = proc === "init" ? entry.cleaned.promise.then(() => {}) : proc.exited.then(() => {});
    return followLog(path, { tail: query.tail, follow: query.follow ?? false, until: ended, ...logLines(query) });
  }

  /** A live session on the process's output and input; see attach.ts. */
  async attach(id: string, pid: string, sink: AttachSink): Promise<AttachSession> {
    const entry = this.ctx.registry.get(id);
    this.find(entry, pid);
    if (!entry.live) throw new BerthError("failed_precondition", `cannot attach to process ${pid} of stopped container ${id}`);
    return openAttach(entry.layout, pid, sink);
  }

  private find(entry: ContainerEntry, pid: string): ExecEntry | "init" {
    return pid === "init" ? "init" : this.exec(entry, pid);
  }

  private exec(entry: ContainerEntry, pid: string): ExecEntry {
    const exec = entry.execs.get(pid);
    if (!exec?.visible) throw new BerthError("not_found", `process ${pid} not found in container ${entry.id}`);
    return exec;
  }
}
