/**
 * The registry: every container berthd knows, by id, live and stopped. It lists them (running and paused ones;
 * stopped ones too with `all`), removes them (their state dir renamed into the trash at once, so the id is free,
 * and removed in the background) and keeps at most `retainStopped` stopped containers (API.md's
 * `--retain-stopped`), pushing out the oldest exit first. Nothing here talks to a shim or the runtime.
 *
 * The listing as JSON (listJson) is the containers' kept texts (ContainerEntry.json) joined, kept itself while
 * each of them is the same text: a listing where nothing changed costs a walk of the containers.
 */
import { renameSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { BerthError, type Container, type Logger } from "@berth/protocol";
import type { StateLayout } from "@berth/state";
import type { ContainerEntry } from "./container.ts";
import { unmountRootfs } from "./images/overlay.ts";

export class Registry {
  private readonly containers = new Map<string, ContainerEntry>();
  private trashed = 0;
  /** Every container sorted by id; undefined after an add or a remove. */
  private sorted: ContainerEntry[] | undefined;
  /** The last listJson of each kind (all or not): its containers' texts and their join. */
  private readonly kept = new Map<boolean, { parts: string[]; text: string }>();

  constructor(private readonly layout: StateLayout, private readonly retainStopped: number, private readonly logger: Logger) {}

  /** The container under `id`, listed or not (being created, or restored before its start was reported). */
  find(id: string): ContainerEntry | undefined {
    return this.containers.get(id);
  }

  /** A listed container, or not_found. */
  get(id: string): ContainerEntry {
    const entry = this.containers.get(id);
    if (!entry || !entry.visible) throw new BerthError("not_found", `container ${id} not found`);
    return entry;
  }

  all(): ContainerEntry[] {
    return [...this.containers.values()];
  }

  /** Sorted by id: running and paused containers, and with `all` the stopped ones too (API.md). */
  list(all = false): Container[] {
    return this.listed(all).map((c) => c.toApi());
  }

  /** `JSON.stringify(list(all))`, from the containers' kept texts. */
  listJson(all = false): string {
    const parts = this.listed(all).map((c) => c.json());
    const kept = this.kept.get(all);
    if (kept && kept.parts.length === parts.length && kept.parts.every((p, i) => p === parts[i])) return kept.text;
    const text = `[${parts.join(",")}]`;
    this.kept.set(all, { parts, text });
    return text;
  }

  private listed(all: boolean): ContainerEntry[] {
    this.sorted ??= this.all().sort((a, b) => (a.id < b.id ? -1 : 1));
    return this.sorted.filter((c) => c.visible && (all || c.live));
  }

  /** Takes `entry` under its id; a previous container of that id is dropped from the map (see remove). */
  add(entry: ContainerEntry): void {
    this.containers.set(entry.id, entry);
    this.sorted = undefined;
  }

  /**
   * Forgets the container and frees its state dir name at once; its content goes in the background. `keepDir`
   * leaves the dir alone (a create that never made it: the dir at that path is another's).
   */
  remove(entry: ContainerEntry, options: { keepDir?: boolean } = {}): void {
    if (entry.removed) return;
    entry.removed = true;
    entry.unwatch();
    if (this.containers.get(entry.id) === entry) this.containers.delete(entry.id);
    this.sorted = undefined;
    if (options.keepDir) return;
    unmountRootfs(entry.layout); // never move or remove a dir with a mounted root in it
    const trash = join(this.layout.trashDir, `${entry.id}.${++this.trashed}`);
    try {
      renameSync(entry.layout.dir, trash);
    } catch {
      rmSync(entry.layout.dir, { recursive: true, force: true });
      return;
    }
    rm(trash, { recursive: true, force: true }).catch((err) => this.logger.warn("remove a container's state", { dir: trash, error: String(err) }));
  }

  /** Stopped containers beyond the retain bound, oldest exit first: what may go once cleaned. */
  overRetention(): ContainerEntry[] {
    const stopped = this.all().filter((c) => c.visible && !c.live).sort((a, b) => (a.exitedAt ?? "").localeCompare(b.exitedAt ?? ""));
    return stopped.slice(0, Math.max(0, stopped.length - this.retainStopped));
  }
}
