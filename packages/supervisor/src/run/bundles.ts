/**
 * Bundles berthd writes itself, for a create that gives `rootfs` or `image` instead of `bundlePath`. `plan` checks
 * the request and, for an image, fetches it into the store, then builds the spec (spec.ts); it touches nothing of
 * the container, so a refused create leaves nothing behind. `write` runs on the container's queue once its state
 * dir exists: it mounts an image container's overlay and writes `bundle/config.json`; `mount` puts the overlay
 * back for a container that runs again. images/overlay.ts's `unmountRootfs` takes it down when the container is
 * cleaned (shims.ts) and before its state dir goes (registry.ts); it is idempotent.
 */
import { mkdirSync, realpathSync, statSync } from "node:fs";
import { BerthError, type CreateContainer, type Image } from "@berth/protocol";
import { type ContainerLayout, type ContainerRecord, type StateLayout, writeFileDurable } from "@berth/state";
import type { InitSpec } from "../container.ts";
import { mountRootfs } from "../images/overlay.ts";
import { ImageStore } from "../images/store.ts";
import type { OciSpec } from "./default-spec.ts";
import { buildSpec } from "./spec.ts";

/** What `plan` decided for one create: the bundle to write and what the container record keeps of it. */
export interface PlannedBundle {
  bundlePath: string;
  spec: OciSpec;
  init: InitSpec;
  image?: { reference: string; digest: string };
}

const RUN_FIELDS = ["process", "mounts", "resources", "readonlyRootfs"] as const;
/** Bound of each skopeo and umoci run: a registry fetch of a large image takes minutes. */
const IMAGE_TOOL_TIMEOUT_MS = 10 * 60_000;

export class Bundles {
  readonly images: ImageStore;

  /** `users` names the containers that use an image (any state): those an image removal must not pull the floor from. */
  constructor(private readonly state: StateLayout, private readonly users: (digest: string) => string[]) {
    this.images = new ImageStore(state, IMAGE_TOOL_TIMEOUT_MS);
  }

  /**
   * Checks which of bundlePath, rootfs and image the request gives (exactly one) and that the run fields come
   * only with rootfs or image; undefined for a bundlePath create. For an image, resolves once the image is stored.
   */
  async plan(request: CreateContainer): Promise<PlannedBundle | undefined> {
    const sources = (["bundlePath", "rootfs", "image"] as const).filter((k) => request[k] !== undefined);
    if (sources.length !== 1) {
      throw new BerthError("invalid_argument", `give exactly one of bundlePath, rootfs and image${sources.length ? `, not ${sources.join(" and ")}` : ""}`);
    }
    if (request.bundlePath !== undefined) {
      const extra = RUN_FIELDS.filter((k) => request[k] !== undefined);
      if (extra.length) throw new BerthError("invalid_argument", `${extra.join(", ")}: only with rootfs or image (a bundle has its own config.json)`);
      return undefined;
    }
    for (const m of request.mounts ?? []) this.checkSource("mount source", m.source);
    const layout = this.state.container(request.id);
    let spec: OciSpec;
    let image: PlannedBundle["image"];
    if (request.rootfs !== undefined) {
      this.checkSource("rootfs", request.rootfs, true);
      spec = buildSpec({ request, root: request.rootfs, lookupRoot: request.rootfs });
    } else {
      const stored = await this.images.ensure(request.image!);
      image = { reference: request.image!, digest: stored.digest };
      spec = buildSpec({ request, root: layout.rootfsMount, lookupRoot: stored.layout.rootfs, image: stored.config });
    }
    const { args, env, cwd, terminal, user } = spec.process;
    return { bundlePath: layout.bundleDir, spec, init: { args, env, cwd, terminal: terminal ?? false, user }, ...(image ? { image } : {}) };
  }

  /** On the create queue, once the state dir exists: the image's overlay mounted, the spec written. */
  write(layout: ContainerLayout, plan: PlannedBundle): void {
    mkdirSync(layout.bundleDir, { recursive: true, mode: 0o700 });
    if (plan.image) mountRootfs(layout, this.state.image(plan.image.digest).rootfs);
    writeFileDurable(layout.bundleConfig, JSON.stringify(plan.spec, null, 2));
  }

  /** Mounts an image container's overlay again (for a container that runs again); nothing for other containers. */
  mount(layout: ContainerLayout, record: ContainerRecord): void {
    if (record.image) mountRootfs(layout, this.state.image(record.image.digest).rootfs);
  }

  listImages(): Image[] {
    return this.images.list();
  }

  /** Removes a stored image; failed_precondition while a container uses it. */
  removeImage(digest: string): void {
    this.images.remove(digest, this.users(digest));
  }

  /** An existing path outside berthd's state dir (a directory when `dir`), or invalid_argument. */
  private checkSource(what: string, path: string, dir = false): void {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new BerthError("invalid_argument", `${what} ${path} does not exist`);
    }
    if (dir && !statSync(real).isDirectory()) throw new BerthError("invalid_argument", `${what} ${path} is not a directory`);
    const state = realpathSync(this.state.root);
    if (real === state || real.startsWith(`${state}/`)) throw new BerthError("invalid_argument", `${what} ${path} is inside berthd's state dir`);
  }
}
