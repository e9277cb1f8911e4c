/**
 * `berth run` and `berth images` as a user drives them, against a real berthd: in the foreground on a real pty
 * (a shell, the container's exit status as berth's, Ctrl-P Ctrl-Q detaching), with pipes (-i, exit statuses,
 * --rm), detached with the run flags landing in the bundle berthd wrote (and with --rm, removed by berthd once it
 * exits), images named by path, and the image store listed and pruned.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Container, Image } from "@berth/protocol";
import { ensureRootfs } from "../scripts/bundle.ts";
import { uid } from "./helpers/bundles.ts";
import { type Daemon, isExit, mountsUnder, REPO, useDaemon } from "./helpers/daemon.ts";
import { dockerArchive, ociImage, removeImages } from "./helpers/images.ts";
import { Terminal } from "./helpers/terminal.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));
afterAll(removeImages);

const MAIN = join(REPO, "packages/cli/src/main.ts");
const cli = (args: string[]) => [process.execPath, MAIN, "--address", `unix://${d.socket}`, ...args];
const rootfs = ensureRootfs();
const image = ociImage({ cmd: ["sh", "-c", "echo image says hi"], env: ["FROM=image"] });

async function berth(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cli(args), { stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

test("in a pty: a shell in a new container, its exit status is berth's", async () => {
  const id = uid("tty");
  const term = new Terminal(cli(["run", "-it", "--name", id, "--rootfs", rootfs, "sh"]));
  term.type("echo $((6*7)) $(hostname)\r");
  await term.until(`42 ${id}`);
  term.type("exit 5\r");
  expect(await term.exited).toBe(5);
});

test("in a pty: Ctrl-P Ctrl-Q detaches from an image container and leaves it running", async () => {
  const id = uid("detach");
  const term = new Terminal(cli(["run", "-it", "--name", id, image, "sh"]));
  term.type("echo $FROM-ready\r");
  await term.until("image-ready");
  term.type("\x10\x11");
  expect(await term.exited).toBe(0);
  expect(term.output).toContain(`detached from process init of container ${id}`);
  expect((await d.json<Container>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
  expect((await d.json("DELETE", `/v1/containers/${id}?force=true`)).status).toBe(204);
});

test("with pipes: output and exit status, images by path, the image's own command, -i feeding stdin to the end, --rm", async () => {
  expect(await berth(["run", "--rootfs", rootfs, "sh", "-c", "echo out; echo err >&2; exit 3"])).toMatchObject({ code: 3, stdout: "out\nerr\n" });
  expect(await berth(["run", image])).toMatchObject({ code: 0, stdout: "image says hi\n" });
  // a bare path: an OCI layout dir (with a tag), an archive file
  expect(await berth(["run", `${image}:latest`, "echo", "tagged"])).toMatchObject({ code: 0, stdout: "tagged\n" });
  expect(await berth(["run", dockerArchive(image), "sh", "-c", "echo $FROM"])).toMatchObject({ code: 0, stdout: "image\n" });
  expect(await berth(["run", "-i", "--rootfs", rootfs, "sh", "-c", "wc -l; exit 7"], "a\nb\nc\n")).toMatchObject({ code: 7, stdout: "3\n" });
  const kept = uid("kept");
  expect((await berth(["run", "--name", kept, "--rootfs", rootfs, "sh", "-c", "exit 2"])).code).toBe(2);
  expect((await d.json<Container>("GET", `/v1/containers/${kept}`)).body).toMatchObject({ status: "stopped", exitStatus: 2 });
  const id = uid("rm");
  expect(await berth(["run", "--rm", "--name", id, "--rootfs", rootfs, "true"])).toMatchObject({ code: 0, stderr: "" });
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
});

test("detached: the run flags land in the bundle berthd wrote; the id is made up without --name", async () => {
  const r = await berth([
    "run", "-d", "-e", "A=1", "-w", "/tmp", "-u", "1000:1000", "-v", `${REPO}:/src:ro`, "--memory", "64m", "--cpus", "0.5",
    "--pids-limit", "50", "--read-only", "--rootfs", rootfs, "sleep", "1000",
  ]);
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  expect(id).toMatch(/^run-[0-9a-f]{8}$/);
  const spec = JSON.parse(readFileSync(join(d.stateDir, "containers", id, "bundle", "config.json"), "utf8"));
  expect(spec.process).toMatchObject({ args: ["sleep", "1000"], cwd: "/tmp", user: { uid: 1000, gid: 1000 }, terminal: false });
  expect(spec.process.env).toContain("A=1");
  expect(spec.root).toEqual({ path: rootfs, readonly: true });
  expect(spec.mounts.at(-1)).toEqual({ destination: "/src", type: "bind", source: REPO, options: ["rbind", "ro"] });
  expect(spec.linux.resources).toMatchObject({ memory: { limit: 64 << 20 }, cpu: { quota: 50_000, period: 100_000 }, pids: { limit: 50 } });
  expect((await berth(["delete", "--force", id])).code).toBe(0);
});

test("images lists the store; image rm takes a digest prefix and refuses an image in use", async () => {
  const id = uid("img");
  const own = ociImage({ cmd: ["sleep", "1000"], env: ["ONLY=here"] }); // used by this test's container alone
  expect((await berth(["run", "-d", "--name", id, own])).code).toBe(0);
  const listed = JSON.parse((await berth(["images", "--json"])).stdout) as Image[];
  const mine = listed.find((i) => i.references.includes(`oci:${own}`))!;
  const rows = (await berth(["images"])).stdout.split("\n");
  expect(rows[0]).toMatch(/^DIGEST\s+SIZE\s+CREATED\s+REFERENCES$/);
  const short = mine.digest.slice(7, 19);
  expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${short}\\s+\\d`)));
  // Completion offers the short digests, as images prints them; an IMAGE is completed as a file name.
  const complete = (...words: string[]) => Bun.spawnSync([process.execPath, MAIN, "__complete", "--address", `unix://${d.socket}`, ...words]).stdout.toString();
  expect(complete("image", "rm", short.slice(0, 6)).split("\n")).toEqual(["words", expect.stringMatching(new RegExp(`^${short}\t.*oci:${own}`)), ""]);
  expect(complete("run", "-it", "")).toBe("files\n");
  expect(complete("run", own, "")).toBe("words\n");
  const refused = await berth(["image", "rm", short]);
  expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining(`containers use it: ${id}`)]);
  expect((await berth(["delete", "--force", id])).code).toBe(0);
  expect(await berth(["image", "rm", short])).toMatchObject({ code: 0 });
  expect((await berth(["image", "ls", "-q"])).stdout).not.toContain(mine.digest);
});

test("usage errors: no image, or a malformed volume", async () => {
  expect((await berth(["run"])).code).toBe(2);
  expect((await berth(["run", "-v", "nocolon", "--rootfs", rootfs])).stderr).toContain("--volume takes SRC:DST[:ro]");
});

test("-d --rm: berthd removes the container once it has exited (autoRemove), its overlay and state dir with it", async () => {
  const id = uid("drm");
  const events = d.events(`id=${id}&after=0`);
  await events.ready;
  expect(await berth(["run", "-d", "--rm", "--name", id, image, "sh", "-c", "exit 4"])).toMatchObject({ code: 0, stdout: `${id}\n` });
  expect((await events.until(isExit("init", id))).at(-1)!.data.status).toBe(4);
  events.close();
  // Removed once the runtime delete is done, which follows the exit event.
  const dir = join(d.stateDir, "containers", id);
  for (const deadline = Date.now() + 30_000; existsSync(dir) && Date.now() < deadline; ) await Bun.sleep(10);
  expect(existsSync(dir)).toBe(false);
  expect((await d.json("GET", `/v1/containers/${id}`)).status).toBe(404);
  expect(mountsUnder(dir)).toEqual([]);
});
