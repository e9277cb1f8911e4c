/**
 * Creates without a bundle, against real runc: from a rootfs dir and from OCI images (a layout built by umoci, and
 * a docker-archive made from it by skopeo). The spec berthd writes carries the image's config and the request's
 * env, cwd, user, mounts and resources, and the container sees them; an image container's overlay is mounted while
 * it runs and gone once it is released, also when it exited while berthd was SIGKILLed; the image store lists and
 * removes images; bad rootfs and image values are 400 and leave nothing.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Image } from "@berth/protocol";
import { ContainerLayout } from "@berth/state";
import { ensureRootfs } from "../scripts/bundle.ts";
import { uid } from "./helpers/bundles.ts";
import { Daemon, type EventStream, isExit, mountsUnder, useDaemon } from "./helpers/daemon.ts";
import { dockerArchive, ociImage, removeImages } from "./helpers/images.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));
const host = mkdtempSync(join(tmpdir(), "run-host-"));
afterAll(() => {
  rmSync(host, { recursive: true, force: true });
  removeImages();
});

const image = ociImage({ cmd: ["sh", "-c", "echo image-cmd; exec sleep 1000"], env: ["FROM_IMAGE=yes", "SHARED=image"], workdir: "/tmp", user: "nobody" });
const layoutOf = (daemon: Daemon, id: string) => new ContainerLayout(join(daemon.stateDir, "containers", id));

/** The init's captured output, followed until it holds `marker`. */
async function outputUntil(daemon: Daemon, id: string, marker: string): Promise<string> {
  const res = await daemon.fetch(`/v1/containers/${id}/processes/init/logs?follow=true`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`output ended without ${JSON.stringify(marker)}: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** Waits until `ready()` holds: a state on disk with no event of its own. */
async function until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

async function create(daemon: Daemon, body: Record<string, unknown>): Promise<Container> {
  const res = await daemon.json<Container>("POST", "/v1/containers", body);
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function removeAndWait(daemon: Daemon, id: string): Promise<void> {
  expect((await daemon.json("DELETE", `/v1/containers/${id}?force=true`)).status).toBe(204);
}

test("a rootfs container: env, cwd, user, mounts and resources are in the spec berthd wrote and seen inside", async () => {
  const id = uid("rootfs");
  const data = join(host, "data");
  const ro = join(host, "ro");
  mkdirSync(data, { mode: 0o777 });
  chmodSync(data, 0o777); // the container's user writes there
  mkdirSync(ro);
  writeFileSync(join(data, "in"), "from-host\n");
  const script = [
    "echo user=$(id -u):$(id -g) cwd=$(pwd) greeting=$GREETING",
    "cat /data/in; echo from-container > /data/out",
    "touch /ro/x 2>/dev/null && echo ro=writable || echo ro=readonly",
    "echo pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)",
    "echo memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)",
    "echo done; exec sleep 1000",
  ].join("; ");
  const created = await create(d, {
    id,
    rootfs: ensureRootfs(),
    readonlyRootfs: true,
    process: { args: ["sh", "-c", script], env: ["GREETING=hello"], cwd: "/tmp", user: { uid: 1234, gid: 5678 } },
    mounts: [{ source: data, destination: "/data" }, { source: ro, destination: "/ro", readonly: true }],
    resources: { pidsLimit: 42, memoryLimit: 64 * 1024 * 1024 },
  });
  const layout = layoutOf(d, id);
  expect(created.bundlePath).toBe(layout.bundleDir);
  expect(created.processes[0]).toMatchObject({ args: ["sh", "-c", script], cwd: "/tmp", user: { uid: 1234, gid: 5678 }, terminal: false });

  const spec = JSON.parse(readFileSync(layout.bundleConfig, "utf8"));
  expect(spec.root).toEqual({ path: ensureRootfs(), readonly: true });
  expect(spec.process.env).toContain("GREETING=hello");
  expect(spec.mounts).toContainEqual({ destination: "/ro", type: "bind", source: ro, options: ["rbind", "ro"] });
  expect(spec.linux.resources).toMatchObject({ pids: { limit: 42 }, memory: { limit: 64 * 1024 * 1024 } });

  const out = await outputUntil(d, id, "done");
  expect(out).toContain("user=1234:5678 cwd=/tmp greeting=hello\nfrom-host\nro=readonly\npids=42\nmemory=67108864\n");
  expect(readFileSync(join(data, "out"), "utf8")).toBe("from-container\n");
  await removeAndWait(d, id);
  expect(existsSync(layout.dir)).toBe(false);
});

test("an image container runs the image's config over an overlay that goes with the container; the store keeps the image", async () => {
  const id = uid("image");
  const created = await create(d, { id, image: `oci:${image}:latest`, process: { env: ["SHARED=request"] } });
  expect(created.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(created.processes[0]).toMatchObject({ cwd: "/tmp", user: { uid: 65534, gid: 65534 } });
  const layout = layoutOf(d, id);
  expect(mountsUnder(d.stateDir)).toEqual([layout.rootfsMount]);
  await outputUntil(d, id, "image-cmd");

  const exec = await d.json("POST", `/v1/containers/${id}/processes`, {
    pid: "look", args: ["sh", "-c", "echo $FROM_IMAGE $SHARED $(id -u) > /tmp/seen; echo written > /new"], user: { uid: 0, gid: 0 },
  });
  expect(exec.status).toBe(201);
  expect((await d.json<{ status: number }>("POST", `/v1/containers/${id}/processes/look/wait`)).body.status).toBe(0);
  // Writes land in the container's upper layer, never in the image.
  expect(readFileSync(join(layout.overlayUpper, "new"), "utf8")).toBe("written\n");
  const stored = join(d.stateDir, "images", created.image!.digest.slice(7), "rootfs");
  expect(existsSync(join(stored, "new"))).toBe(false);

  await removeAndWait(d, id);
  expect(mountsUnder(d.stateDir)).toEqual([]);
  expect(existsSync(layout.dir)).toBe(false);
  expect((await d.json<Image[]>("GET", "/v1/images")).body.map((i) => i.digest)).toContain(created.image!.digest);
});

test("an image container that exits on its own loses its overlay at its cleanup, and stays listed stopped until DELETE", async () => {
  const id = uid("exits");
  const events = d.events(`id=${id}`);
  await events.ready;
  await create(d, { id, image: `oci:${image}`, process: { args: ["sh", "-c", "echo bye > /left; exit 3"], user: { uid: 0, gid: 0 } } });
  await events.until(isExit("init", id));
  events.close();
  const layout = layoutOf(d, id);
  await until(() => existsSync(layout.cleaned));
  expect(mountsUnder(d.stateDir)).toEqual([]);
  expect(readFileSync(join(layout.overlayUpper, "left"), "utf8")).toBe("bye\n"); // its changes stay with it
  expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body).toMatchObject({ status: "stopped", exitStatus: 3 });
  expect((await d.json("DELETE", `/v1/containers/${id}`)).status).toBe(204);
  expect(existsSync(layout.dir)).toBe(false);
});

test("a docker-archive of the same image is the same stored image, and runs with the request's command", async () => {
  const first = await create(d, { id: uid("oci"), image: `oci:${image}` });
  const archive = dockerArchive(image);
  const id = uid("archive");
  const second = await create(d, { id, image: `docker-archive:${archive}`, process: { args: ["sh", "-c", "echo $FROM_IMAGE from-archive; exec sleep 1000"] } });
  expect(second.image).toEqual({ reference: `docker-archive:${archive}`, digest: first.image!.digest });
  expect(await outputUntil(d, id, "from-archive")).toBe("yes from-archive\n");
  const listed = (await d.json<Image[]>("GET", "/v1/images")).body.find((i) => i.digest === first.image!.digest)!;
  expect(listed.references).toEqual(expect.arrayContaining([`oci:${image}`, `docker-archive:${archive}`]));
  await removeAndWait(d, first.id);
  await removeAndWait(d, id);
});

test("an image in use cannot be removed (409); unused, it goes (204), then 404; a malformed digest is 400", async () => {
  const other = ociImage({ cmd: ["sleep", "1000"], env: ["WHICH=removable"] });
  const id = uid("inuse");
  const { image: used } = await create(d, { id, image: `oci:${other}:latest` });
  const path = `/v1/images/${used!.digest}`;
  const refused = await d.json<{ error: { code: string; message: string } }>("DELETE", path);
  expect([refused.status, refused.body.error.code, refused.body.error.message]).toEqual([409, "failed_precondition", expect.stringContaining(id)]);
  await removeAndWait(d, id);
  expect((await d.json("DELETE", path)).status).toBe(204);
  expect((await d.json<Image[]>("GET", "/v1/images")).body.map((i) => i.digest)).not.toContain(used!.digest);
  expect((await d.json("DELETE", path)).status).toBe(404);
  expect((await d.json("DELETE", "/v1/images/sha256:xyz")).status).toBe(400);
});

test("bad rootfs, image and run-field values are 400 and leave no container, mount, image or fetch behind", async () => {
  const file = join(host, "a-file");
  writeFileSync(file, "");
  const images = () => readdirSync(join(d.stateDir, "images")).sort();
  const before = images();
  const rootfs = ensureRootfs();
  const cases: [Record<string, unknown>, string][] = [
    [{}, "give exactly one of bundlePath, rootfs and image"],
    [{ rootfs, image: `oci:${image}` }, "not rootfs and image"],
    [{ bundlePath: host, process: { args: ["true"] } }, "process: only with rootfs or image"],
    [{ rootfs: "relative/dir" }, "rootfs"],
    [{ rootfs: join(host, "missing") }, "does not exist"],
    [{ rootfs: file }, "is not a directory"],
    [{ rootfs: d.stateDir }, "inside berthd's state dir"],
    [{ rootfs, mounts: [{ source: join(host, "missing"), destination: "/m" }] }, "mount source"],
    [{ image: "busybox" }, "expected TRANSPORT:NAME"],
    [{ image: "oci:relative:tag" }, "must be absolute"],
    [{ image: `oci:${image}:no-such-tag` }, "no descriptor found"],
    [{ image: `docker-archive:${file}` }, "skopeo inspect failed"],
    [{ image: `oci:${image}`, process: { user: { uid: -1, gid: 0 } } }, "user"],
  ];
  for (const [body, words] of cases) {
    const id = uid("bad");
    const res = await d.json<{ error: { code: string; message: string } }>("POST", "/v1/containers", { id, ...body });
    expect([body, res.status, res.body.error.message]).toEqual([body, 400, expect.stringContaining(words)]);
    expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
  }
  expect(readdirSync(join(d.stateDir, "containers"))).toEqual([]);
  expect(mountsUnder(d.stateDir)).toEqual([]);
  expect(images()).toEqual(before);
  expect(readdirSync(join(d.stateDir, "pulls"))).toEqual([]);
});

test("SIGKILL of berthd: a running image container keeps its overlay; one that exited meanwhile is unmounted at restart", async () => {
  const own = await Daemon.start();
  try {
    const keep = uid("keep");
    const gone = uid("gone");
    await create(own, { id: keep, image: `oci:${image}` });
    const dying = await create(own, { id: gone, image: `oci:${image}` });
    await own.kill("SIGKILL");
    expect(mountsUnder(own.stateDir).sort()).toEqual([layoutOf(own, keep).rootfsMount, layoutOf(own, gone).rootfsMount].sort());
    process.kill(dying.processes[0]!.systemPid, "SIGKILL");

    await own.launch();
    const events: EventStream = own.events("after=0");
    await events.until(isExit("init", gone));
    events.close();
    // The exit goes out first; the cleanup (runtime delete, overlay) follows, and marks the container cleaned.
    await until(() => existsSync(layoutOf(own, gone).cleaned));
    expect(mountsUnder(own.stateDir)).toEqual([layoutOf(own, keep).rootfsMount]);
    expect((await own.json<Container>("GET", `/v1/containers/${gone}`)).body).toMatchObject({ status: "stopped", exitStatus: 137 });
    expect((await own.json("DELETE", `/v1/containers/${gone}`)).status).toBe(204);
    expect((await own.json<Container>("GET", `/v1/containers/${keep}`)).body.status).toBe("running");
    await removeAndWait(own, keep);
    expect(mountsUnder(own.stateDir)).toEqual([]);
  } finally {
    await own.cleanup();
  }
});
