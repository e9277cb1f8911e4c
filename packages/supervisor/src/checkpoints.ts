/**
 * Checkpoints of a container, taken by CRIU through `runc checkpoint`. Each is a dir `<checkpointDir>/<name>` that
 * holds CRIU's images, its work dir `criu.work` and `config.json`, the Checkpoint with the options it was taken
 * with; checkpointDir defaults to `<bundle>/checkpoints`. A checkpoint is taken by the container's shim (its state
 * objects decide), on the container's queue; berthd answers once its event is journaled; a failed one leaves no
 * dir behind. `restoreFrom` turns the `checkpoint`
 * of a create request into what the shim needs to `runc restore` it.
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BerthError, type Checkpoint, type CreateCheckpoint, type CreateContainer, nowRfc3339, wrapError } from "@berth/protocol";
import { type ContainerRecord, readJson, writeFileDurable } from "@berth/state";
import type { Context } from "./context.ts";

export class Checkpoints {
  constructor(private readonly ctx: Context) {}

  /** Takes a checkpoint; the container keeps running unless `exit` is asked for. */
  async create(id: string, request: CreateCheckpoint): Promise<Checkpoint> {
    const entry = this.ctx.registry.get(id);
    return entry.queue.run(async () => {
      const shim = entry.shim;
      if (!shim || !entry.live) throw new BerthError("failed_precondition", `cannot checkpoint stopped container ${id}`);
      const dir = request.checkpointDir ?? defaultDir(entry.record.bundlePath);
      const path = join(dir, request.name);
      let madeDir: string | undefined;
      try {
        madeDir = mkdirSync(dir, { recursive: true, mode: 0o700 });
        mkdirSync(path, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new BerthError("already_exists", `checkpoint ${request.name} already exists in ${dir}`);
        throw wrapError(`checkpoint container ${id}: make ${path}`, err);
      }
      const checkpoint: Checkpoint = {
        name: request.name,
        created: nowRfc3339(),
        exit: request.exit ?? false,
        tcp: request.tcp ?? false,
        unixSockets: request.unixSockets ?? false,
        shell: request.shell ?? false,
        emptyNamespaces: request.emptyNamespaces ?? [],
      };
      let change: number;
      try {
        writeFileDurable(configOf(path), JSON.stringify(checkpoint));
        ({ change } = await this.ctx.metrics.time("checkpoint", () => shim.call("checkpoint", {
          ...criuOptions(checkpoint),
          imagePath: path,
          workPath: join(path, "criu.work"),
          leaveRunning: !checkpoint.exit,
        })));
      } catch (err) {
        rmSync(path, { recursive: true, force: true });
        try {
          if (madeDir) rmdirSync(dir); // made for this checkpoint: it goes too, unless another has appeared in it
        } catch {}
        throw wrapError(`checkpoint container ${id}`, err);
      }
      await this.ctx.relay.published(entry, change, this.ctx.config.startTimeoutMs);
      return checkpoint;
    });
  }

  /** The checkpoints in the container's checkpoint dir, oldest first; none when the dir does not exist. */
  list(id: string, checkpointDir?: string): Checkpoint[] {
    const dir = checkpointDir ?? defaultDir(this.ctx.registry.get(id).record.bundlePath);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw wrapError(`list checkpoints of container ${id} in ${dir}`, err);
    }
    return names
      .map((name) => readCheckpoint(join(dir, name)))
      .filter((c): c is Checkpoint => c !== undefined)
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  async remove(id: string, name: string, checkpointDir?: string): Promise<void> {
    const entry = this.ctx.registry.get(id);
    await entry.queue.run(() => {
      const dir = checkpointDir ?? defaultDir(entry.record.bundlePath);
      const path = join(dir, name);
      if (!readCheckpoint(path)) throw new BerthError("not_found", `checkpoint ${name} not found in ${dir}`);
      rmSync(path, { recursive: true, force: true });
    });
  }
}

/** For a create from a checkpoint: where its images are and how to restore them; invalid_argument if it is not there. */
export function restoreFrom(request: CreateContainer): ContainerRecord["restore"] {
  if (!request.checkpoint) return undefined;
  const dir = request.checkpointDir ?? defaultDir(request.bundlePath);
  const path = join(dir, request.checkpoint);
  const checkpoint = readCheckpoint(path);
  if (!checkpoint) throw new BerthError("invalid_argument", `checkpoint ${request.checkpoint} not found in ${dir}`);
  // A work dir of its own per restore: CRIU must not mix the logs of two restores.
  return { ...criuOptions(checkpoint), imagePath: path, workPath: join(path, "criu.work", `restore-${Date.now()}`) };
}

function defaultDir(bundlePath: string): string {
  return join(bundlePath, "checkpoints");
}

function configOf(path: string): string {
  return join(path, "config.json");
}

function readCheckpoint(path: string): Checkpoint | undefined {
  const checkpoint = readJson<Checkpoint>(configOf(path));
  return typeof checkpoint?.name === "string" && typeof checkpoint.created === "string" ? checkpoint : undefined;
}

function criuOptions(c: Checkpoint) {
  return { tcp: c.tcp, unixSockets: c.unixSockets, shell: c.shell, emptyNamespaces: c.emptyNamespaces };
}
