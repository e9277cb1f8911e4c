/**
 * The image store: images fetched with skopeo and unpacked with umoci, once per digest, into
 * `<state>/images/<hex>/` (layout.ts), where nothing writes after the final rename: containers use an image's
 * rootfs only as the lower layer of their overlay. An image is named by the sha256 of its config blob (docker's
 * image id), read first with `skopeo inspect --raw --config`, so an image already stored is never fetched again,
 * whatever transport names it. A fetch works in a dir of its own under `<state>/pulls/` and is renamed into place
 * when complete; concurrent creates of one image share one fetch. Removal refuses an image containers use. (A tag
 * that moves to another image between the inspect and the copy goes unnoticed: the copy cannot be checked against
 * the digest, since converting a docker image to OCI rewrites its config.)
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { BerthError, DIGEST_PATTERN, type Image, nowRfc3339, wrapError } from "@berth/protocol";
import { type ImageLayout, readJson, type StateLayout, writeFileDurable } from "@berth/state";
import { type ImageProcessConfig, processConfigOf } from "./config.ts";
import { checkReference } from "./reference.ts";
import { runTool } from "./tool.ts";

/** An image ready for containers: where its rootfs is and how it wants its process run. */
export interface StoredImage {
  digest: string;
  layout: ImageLayout;
  config: ImageProcessConfig;
}

const digestPattern = new RegExp(DIGEST_PATTERN);

export class ImageStore {
  /** Fetches in flight, by digest: a second create of the same image waits for the first fetch. */
  private readonly fetching = new Map<string, Promise<void>>();
  private fetches = 0;
  private removed = 0;

  /** `timeoutMs` bounds each tool run (a registry fetch included). */
  constructor(private readonly state: StateLayout, private readonly timeoutMs: number) {
    mkdirSync(state.imagesDir, { recursive: true, mode: 0o700 });
    mkdirSync(state.trashDir, { recursive: true, mode: 0o700 });
    rmSync(state.pullsDir, { recursive: true, force: true });
    mkdirSync(state.pullsDir, { mode: 0o700 });
  }

  /** The image `reference` names, fetched and unpacked unless its digest is stored; invalid_argument when unreadable. */
  async ensure(reference: string): Promise<StoredImage> {
    checkReference(reference);
    const what = `fetch image ${reference}`;
    const raw = await runTool(["skopeo", "inspect", "--raw", "--config", reference], { what, code: "invalid_argument", timeoutMs: this.timeoutMs });
    const config = processConfigOf(raw);
    if (!config) throw new BerthError("invalid_argument", `${what}: its config is not a JSON object`);
    const digest = `sha256:${createHash("sha256").update(raw).digest("hex")}`;
    const layout = this.state.image(digest);
    if (!existsSync(layout.record)) {
      let fetch = this.fetching.get(digest);
      if (!fetch) {
        fetch = this.fetch(reference, digest, raw).finally(() => this.fetching.delete(digest));
        this.fetching.set(digest, fetch);
      }
      await fetch;
    }
    this.addReference(layout, reference);
    return { digest, layout, config };
  }

  /** Every stored image, newest first. */
  list(): Image[] {
    return readdirSync(this.state.imagesDir)
      .map((hex) => readJson<Image>(this.state.image(`sha256:${hex}`).record))
      .filter((image): image is Image => image !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The stored image of `digest`, or not_found. */
  get(digest: string): Image {
    const image = digestPattern.test(digest) ? readJson<Image>(this.state.image(digest).record) : undefined;
    if (!image) throw new BerthError("not_found", `image ${digest} not found`);
    return image;
  }

  /**
   * Removes an image no container uses (`users`: the ids of those that do; failed_precondition if any). The dir
   * leaves the store at once (a rename into the trash) and its content goes in the background.
   */
  remove(digest: string, users: string[]): void {
    this.get(digest);
    if (users.length) throw new BerthError("failed_precondition", `cannot remove image ${digest}: containers use it: ${users.join(", ")}`);
    const trash = join(this.state.trashDir, `image-${process.pid}-${++this.removed}`);
    renameSync(this.state.image(digest).dir, trash);
    rm(trash, { recursive: true, force: true }).catch(() => {});
  }

  /**
   * skopeo copies the image into an OCI layout of its own, umoci unpacks it; the result is renamed into the store
   * with `config`, the config as the source has it. (Converting a docker image to OCI rewrites its config blob, so
   * the copy's own config digest may differ: the store goes by the source's.)
   */
  private async fetch(reference: string, digest: string, config: Buffer): Promise<void> {
    const work = join(this.state.pullsDir, String(++this.fetches));
    const layoutRef = `${join(work, "layout")}:image`;
    mkdirSync(work, { mode: 0o700 });
    try {
      const what = `fetch image ${reference}`;
      await runTool(["skopeo", "copy", "--quiet", reference, `oci:${layoutRef}`], { what, code: "invalid_argument", timeoutMs: this.timeoutMs });
      await runTool(["umoci", "unpack", "--image", layoutRef, join(work, "bundle")], { what: `unpack image ${reference}`, code: "internal", timeoutMs: this.timeoutMs });
      const image = join(work, "image");
      mkdirSync(image, { mode: 0o700 });
      renameSync(join(work, "bundle", "rootfs"), join(image, "rootfs"));
      writeFileSync(join(image, "config.json"), config);
      const record: Image = { digest, references: [], size: sizeOf(join(image, "rootfs")), createdAt: nowRfc3339() };
      writeFileDurable(join(image, "image.json"), JSON.stringify(record));
      renameSync(image, this.state.image(digest).dir);
    } catch (err) {
      throw err instanceof BerthError ? err : wrapError(`store image ${reference}`, err);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Records that `reference` names this image (once). */
  private addReference(layout: ImageLayout, reference: string): void {
    const image = readJson<Image>(layout.record);
    if (!image || image.references.includes(reference)) return;
    image.references.push(reference);
    writeFileDurable(layout.record, JSON.stringify(image));
  }
}

/** Bytes of the regular files under `dir`, each counted once however many links it has. */
function sizeOf(dir: string): number {
  const seen = new Set<number>();
  let bytes = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = lstatSync(join(dir, name));
    if (!st.isFile() || seen.has(st.ino)) continue;
    seen.add(st.ino);
    bytes += st.size;
  }
  return bytes;
}
