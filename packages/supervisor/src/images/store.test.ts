import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateLayout } from "@berth/state";
import { dockerArchive, ociImage, removeImages } from "../../../../test/helpers/images.ts";
import { ImageStore } from "./store.ts";

const state = new StateLayout(mkdtempSync(join(tmpdir(), "store-")));
const store = new ImageStore(state, 60_000);
const layout = ociImage({ cmd: ["echo", "hi"], env: ["A=1"], workdir: "/tmp", user: "65534:65534" });
afterAll(() => {
  rmSync(state.root, { recursive: true, force: true });
  removeImages();
});

test("a docker-archive is stored under its source config's digest; the OCI layout it came from is the same image", async () => {
  const other = ociImage({ cmd: ["sh"], env: ["B=2"] });
  const archived = await store.ensure(`docker-archive:${dockerArchive(other)}`);
  expect(archived.config).toEqual({ Cmd: ["sh"], Env: ["B=2"] });
  expect(existsSync(join(archived.layout.rootfs, "bin", "busybox"))).toBe(true);
  expect((await store.ensure(`oci:${other}:latest`)).digest).toBe(archived.digest);
  expect(store.get(archived.digest).references).toHaveLength(2);
  store.remove(archived.digest, []);
});

test("an OCI layout is unpacked once per digest; a docker-archive of the same image is the same image", async () => {
  const first = await store.ensure(`oci:${layout}:latest`);
  expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(first.config).toEqual({ Cmd: ["echo", "hi"], Env: ["A=1"], WorkingDir: "/tmp", User: "65534:65534" });
  expect(existsSync(join(first.layout.rootfs, "bin", "busybox"))).toBe(true);
  const inode = statSync(first.layout.rootfs).ino;

  const again = await store.ensure(`oci:${layout}:latest`);
  const archived = await store.ensure(`docker-archive:${dockerArchive(layout)}`);
  expect([again.digest, archived.digest]).toEqual([first.digest, first.digest]);
  expect(statSync(first.layout.rootfs).ino).toBe(inode); // not unpacked again
  const [image] = store.list();
  expect(store.list()).toHaveLength(1);
  expect(image!.references).toEqual([`oci:${layout}:latest`, `docker-archive:${join(layout, "..", "latest.tar")}`]);
  expect(image!.size).toBeGreaterThan(statSync(join(first.layout.rootfs, "bin", "busybox")).size - 1);
  expect(readdirSync(state.pullsDir)).toEqual([]);
});

test("concurrent creates of one image share one fetch", async () => {
  const other = ociImage({ cmd: ["true"] });
  const [a, b] = await Promise.all([store.ensure(`oci:${other}:latest`), store.ensure(`oci:${other}`)]);
  expect(a.digest).toBe(b.digest);
  expect(store.get(a.digest).references.sort()).toEqual([`oci:${other}`, `oci:${other}:latest`]);
});

test("unreadable images are invalid_argument with skopeo's words, and leave nothing", async () => {
  const before = readdirSync(state.imagesDir);
  for (const [ref, words] of [
    ["oci:/nonexistent/layout:latest", "/nonexistent: no such file or directory"],
    [`oci:${layout}:no-such-tag`, 'no descriptor found for reference "no-such-tag"'],
    ["docker-archive:/etc/passwd", "invalid tar header"],
    ["nope:x", 'unknown transport "nope"'],
  ] as const) {
    const err = await store.ensure(ref).catch((e) => e);
    expect([ref, err.code, err.message]).toEqual([ref, "invalid_argument", expect.stringContaining(words)]);
  }
  expect(readdirSync(state.imagesDir)).toEqual(before);
  expect(readdirSync(state.pullsDir)).toEqual([]);
});

test("remove refuses an image in use, removes one that is not, and 404s after", async () => {
  const { digest } = await store.ensure(`oci:${layout}:latest`);
  expect(() => store.remove(digest, ["c1", "c2"])).toThrow(`cannot remove image ${digest}: containers use it: c1, c2`);
  store.remove(digest, []);
  expect(store.list().map((i) => i.digest)).not.toContain(digest);
  expect(() => store.remove(digest, [])).toThrow(`image ${digest} not found`);
  expect(() => store.get("sha256:../../etc")).toThrow("not found");
});
