/**
 * An image container's root: an overlayfs whose lower layer is the image's rootfs in the store and whose upper
 * and work dirs are in the container's state dir (layout.ts), mounted at `bundle/rootfs`. Both calls are
 * idempotent, so every path that tears a container down (release, a failed create, restore of a dir left by a
 * crash) may call `unmountRootfs` whether or not anything is mounted.
 */
import { chmodSync, chownSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { wrapError } from "@berth/protocol";
import type { ContainerLayout } from "@berth/state";
import { mountFilesystem, mountPoints, unmount } from "@berth/sys";

/** Mounts the overlay of `lower` (an image's rootfs) at the container's rootfs mount point, unless it is there. */
export function mountRootfs(layout: ContainerLayout, lower: string): void {
  const target = layout.rootfsMount;
  try {
    for (const dir of [target, layout.overlayUpper, layout.overlayWork]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The merged root takes the upper dir's owner and mode: they must be the image's, or a non-root user cannot enter /.
    const root = statSync(lower);
    chownSync(layout.overlayUpper, root.uid, root.gid);
    chmodSync(layout.overlayUpper, root.mode & 0o7777);
    // mountinfo shows the path with symlinks resolved
    if (mountPoints().includes(realpathSync(target))) return;
    mountFilesystem("overlay", target, "overlay", `lowerdir=${lower},upperdir=${layout.overlayUpper},workdir=${layout.overlayWork}`);
  } catch (err) {
    throw wrapError(`mount the overlay of ${layout.dir}`, err);
  }
}

/** Unmounts the container's overlay if it is mounted; true when something was. */
export function unmountRootfs(layout: ContainerLayout): boolean {
  return unmount(layout.rootfsMount);
}
