/**
 * Checkpoints of a container, taken by CRIU through `runc checkpoint`. Each is a dir `<checkpointDir>/<name>` that
 * holds CRIU's images, its work dir `criu.work` and `config.json`, the Checkpoint with the options it was taken
 * with; checkpointDir defaults to `<bundle>/checkpoints`. A checkpoint is taken by the container's shim (its state
 * objects decide), on the container's queue; berthd answers once its event is journaled; a failed one leaves no
 * dir behind. `restoreFrom` turns the `checkpoint` of a create request into what the shim needs to `runc restore`
 * it. A client's checkpointDir is checked first (client-paths.ts); which dirs Berth makes, lists and removes is
 * checkpoint-dirs.ts's business.
 */
import { rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BerthError, type Checkpoint, type CreateCheckpoint, type CreateContainer, nowRfc3339, quote, wrapError } from "@berth/protocol";
import { type ContainerRecord, writeFileDurable } from "@berth/state";
import { isOwn, makeDirs, markOwn, readCheckpoint, removeDirs } from "./checkpoint-dirs.ts";
import { checkCheckpointDir } from "./client-paths.ts";
import type { Context } from "./context.ts";

export class Checkpoints {
  constructor(private readonly ctx: Context) {}

  /** Takes a checkpoint; the container keeps running unless `exit` is asked for. */
  async create(id: string, request: CreateCheckpoint): Promise<Checkpoint> {
    const entry = this.ctx.registry.get(id);
    return entry.queue.run(async () => {
      const shim = entry.shim;
      if (!shim || !entry.live) throw new BerthError("failed_precondition", `cannot checkpoint stopped container ${id}`);
      if (request.checkpointDir) await checkCheckpointDir(request.checkpointDir, this.ctx.config.stateDir);
      const dir = request.checkpointDir ?? defaultDir(entry.record.bundlePath);
      const path = join(dir, request.name);
      let made: string[];
      try {
        made = makeDirs(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new BerthError("already_exists", `checkpoint ${request.name} already exists in ${quote(dir)}`);
        throw new BerthError("invalid_argument", `checkpoint container ${id}: make ${quote(path)}: ${(err as Error).message}`, { cause: err });
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
        markOwn(path, checkpoint.name);
        writeFileDurable(configOf(path), JSON.stringify(checkpoint));
        ({ change } = await this.ctx.metrics.time("checkpoint", () => shim.call("checkpoint", {
          ...criuOptions(checkpoint),
          imagePath: path,
          workPath: join(path, "criu.work"),
          leaveRunning: !checkpoint.exit,
        })));
      } catch (err) {
        rmSync(path, { recursive: true, force: true });
        removeDirs(made); // the dirs made for this checkpoint go too, unless another has appeared in them
        throw wrapError(`checkpoint container ${id}`, err);
      }
      await this.ctx.relay.published(entry, change, this.ctx.config.startTimeoutMs);
      return checkpoint;
    });
  }

  /** The checkpoints Berth made in the container's checkpoint dir, oldest first; none when the dir does not exist. */
  async list(id: string, checkpointDir?: string): Promise<Checkpoint[]> {
    const entry = this.ctx.registry.get(id);
    if (checkpointDir) await checkCheckpointDir(checkpointDir, this.ctx.config.stateDir);
    const dir = checkpointDir ?? defaultDir(entry.record.bundlePath);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw wrapError(`list checkpoints of container ${id} in ${quote(dir)}`, err);
    }
    const found = await Promise.all(names.map(async (name) => {
      const path = join(dir, name);
      return (await isOwn(path, name)) ? readCheckpoint(path) : undefined;
    }));
    return found.filter((c): c is Checkpoint => c !== undefined).sort((a, b) => a.created.localeCompare(b.created));
  }

  /** Removes the checkpoint dir `name`, only if Berth made it (checkpoint-dirs.ts); not_found otherwise. */
  async remove(id: string, name: string, checkpointDir?: string): Promise<void> {
    const entry = this.ctx.registry.get(id);
    if (checkpointDir) await checkCheckpointDir(checkpointDir, this.ctx.config.stateDir);
    await entry.queue.run(async () => {
      const dir = checkpointDir ?? defaultDir(entry.record.bundlePath);
      const path = join(dir, name);
      if (!(await isOwn(path, name))) throw new BerthError("not_found", `checkpoint ${name} not found in ${quote(dir)} (no checkpoint Berth made)`);
      rmSync(path, { recursive: true, force: true });
    });
  }
}

/**
 * For a create from a checkpoint: where its images are and how to restore them; invalid_argument if it is not
 * there. A checkpoint copied from elsewhere (no marker) restores too: restoring removes nothing.
 */
export async function restoreFrom(request: CreateContainer & { bundlePath: string }, stateDir: string): Promise<ContainerRecord["restore"]> {
  if (!request.checkpoint) return undefined;
  if (request.checkpointDir) await checkCheckpointDir(request.checkpointDir, stateDir);
  const dir = request.checkpointDir ?? defaultDir(request.bundlePath);
  const path = join(dir, request.checkpoint);
  const checkpoint = await readCheckpoint(path);
  if (!checkpoint) throw new BerthError("invalid_argument", `checkpoint ${request.checkpoint} not found in ${quote(dir)}`);
  // A work dir of its own per restore: CRIU must not mix the logs of two restores.
  return { ...criuOptions(checkpoint), imagePath: path, workPath: join(path, "criu.work", `restore-${Date.now()}`) };
}

function defaultDir(bundlePath: string): string {
  return join(bundlePath, "checkpoints");
}

function configOf(path: string): string {
  return join(path, "config.json");
}

function criuOptions(c: Checkpoint) {
  return { tcp: c.tcp, unixSockets: c.unixSockets, shell: c.shell, emptyNamespaces: c.emptyNamespaces };
}
