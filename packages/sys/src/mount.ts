/**
 * Mounts: mount(2) of a filesystem with its option string, umount2(2) that tolerates what is already gone, and
 * the mount points listed in /proc/self/mountinfo. berthd mounts each image container's overlay with these.
 */
import { readFileSync } from "node:fs";
import { check, cstr, errno, libc, SysError } from "./libc.ts";

const EINVAL = 22;
const ENOENT = 2;
const EBUSY = 16;
const MNT_DETACH = 2;

/** mount(2): `fstype` from `source` at `target` with the filesystem's `options` string (e.g. overlay's lowerdir=…). */
export function mountFilesystem(source: string, target: string, fstype: string, options: string, flags = 0): void {
  const [s, t, f, o] = [cstr(source), cstr(target), cstr(fstype), cstr(options)];
  check("mount", target, () => libc.mount(s, t, f, flags, o));
}

/**
 * Unmounts what is mounted at `target`, every layer of it, and says whether anything was. Nothing mounted there
 * (EINVAL) or no such path (ENOENT) is fine. A mount still busy is detached (MNT_DETACH): it leaves the tree at
 * once and the kernel frees it when its last user goes.
 */
export function unmount(target: string): boolean {
  const t = cstr(target);
  let unmounted = false;
  for (;;) {
    if (libc.umount2(t, 0) === 0) {
      unmounted = true;
      continue;
    }
    const e = errno();
    if (e === EINVAL || e === ENOENT) return unmounted;
    if (e === EBUSY) {
      check("umount2(MNT_DETACH)", target, () => libc.umount2(t, MNT_DETACH));
      unmounted = true;
      continue;
    }
    if (e !== 4) throw new SysError("umount2", e, target);
  }
}

/** Mount points of this process's mount namespace (field 5 of /proc/self/mountinfo, octal escapes decoded). */
export function mountPoints(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}
