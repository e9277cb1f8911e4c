import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mountFilesystem, mountPoints, unmount } from "./mount.ts";

let dir = "";
afterEach(() => {
  unmount(dir);
  rmSync(dir, { recursive: true, force: true });
});

test("a tmpfs mounted with options is listed, then unmounted once; a second unmount finds nothing", () => {
  dir = mkdtempSync(join(tmpdir(), "mnt-"));
  mountFilesystem("tmpfs", dir, "tmpfs", "size=1m,mode=700");
  expect(mountPoints()).toContain(dir);
  writeFileSync(join(dir, "f"), "x");
  expect(unmount(dir)).toBe(true);
  expect(mountPoints()).not.toContain(dir);
  expect(readdirSync(dir)).toEqual([]);
  expect(unmount(dir)).toBe(false);
  expect(unmount(join(dir, "missing"))).toBe(false);
});

test("a mount over a mount goes layer by layer; a busy one is detached", async () => {
  dir = mkdtempSync(join(tmpdir(), "mnt-"));
  mountFilesystem("tmpfs", dir, "tmpfs", "size=1m");
  mountFilesystem("tmpfs", dir, "tmpfs", "size=1m");
  // A process with its cwd inside keeps the top mount busy.
  const holder = Bun.spawn(["sleep", "1000"], { cwd: dir });
  try {
    expect(unmount(dir)).toBe(true);
    expect(mountPoints()).not.toContain(dir);
  } finally {
    holder.kill();
    await holder.exited;
  }
});

test("a bad filesystem type names the call, the target and the errno", () => {
  dir = mkdtempSync(join(tmpdir(), "mnt-"));
  expect(() => mountFilesystem("none", dir, "no-such-fs", "")).toThrow(`mount ${dir}: ENODEV`);
});
