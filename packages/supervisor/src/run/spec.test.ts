import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSpec, mergeEnv } from "./spec.ts";

const root = mkdtempSync(join(tmpdir(), "spec-root-"));
mkdirSync(join(root, "etc"));
writeFileSync(join(root, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
writeFileSync(join(root, "etc", "group"), "root:x:0:\nstaff:x:50:\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

test("a rootfs create without process fields runs runc's default: sh as root in /, no terminal, writable root", () => {
  const spec = buildSpec({ request: { id: "c1", rootfs: root }, root, lookupRoot: root });
  expect(spec.process).toMatchObject({ args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 }, terminal: false, env: [PATH, "TERM=xterm"] });
  expect([spec.root, spec.hostname]).toEqual([{ path: root, readonly: false }, "c1"]);
});

test("the image config comes over the defaults, and the request over the image", () => {
  const image = { Entrypoint: ["/bin/tini", "--"], Cmd: ["serve"], Env: ["PATH=/opt/bin", "A=1"], WorkingDir: "/srv", User: "app" };
  const fromImage = buildSpec({ request: { id: "c", image: "oci:/x" }, root: "/r", lookupRoot: root, image });
  expect(fromImage.process).toMatchObject({ args: ["/bin/tini", "--", "serve"], env: ["PATH=/opt/bin", "TERM=xterm", "A=1"], cwd: "/srv", user: { uid: 1000, gid: 1001 } });

  const asked = buildSpec({
    request: { id: "c", image: "oci:/x", process: { args: ["sh", "-c", "x"], env: ["A=2", "B=3"], cwd: "/tmp", user: { uid: 5, gid: 6 }, terminal: true } },
    root: "/r", lookupRoot: root, image,
  });
  expect(asked.process).toMatchObject({ args: ["/bin/tini", "--", "sh", "-c", "x"], env: ["PATH=/opt/bin", "TERM=xterm", "A=2", "B=3"], cwd: "/tmp", user: { uid: 5, gid: 6 }, terminal: true });
});

test("an image with neither Entrypoint nor Cmd keeps sh", () => {
  expect(buildSpec({ request: { id: "c", image: "oci:/x" }, root: "/r", lookupRoot: root, image: { Cmd: null } }).process.args).toEqual(["sh"]);
});

test("mounts are bind mounts after runc's own, resources land in linux.resources beside the device rule, readonlyRootfs", () => {
  const spec = buildSpec({
    request: {
      id: "c", rootfs: root, readonlyRootfs: true,
      mounts: [{ source: "/a", destination: "/data" }, { source: "/b", destination: "/ro", readonly: true }],
      resources: { memoryLimit: 64 << 20, pidsLimit: 20, cpuShares: 512 },
    },
    root, lookupRoot: root,
  });
  expect(spec.mounts.slice(-2)).toEqual([
    { destination: "/data", type: "bind", source: "/a", options: ["rbind"] },
    { destination: "/ro", type: "bind", source: "/b", options: ["rbind", "ro"] },
  ]);
  expect(spec.mounts[0]!.destination).toBe("/proc");
  expect(JSON.parse(JSON.stringify(spec.linux.resources))).toEqual({
    devices: [{ allow: false, access: "rwm" }], memory: { limit: 64 << 20 }, cpu: { shares: 512 }, blockIO: {}, pids: { limit: 20 },
  });
  expect(spec.root.readonly).toBe(true);
});

test("image users: numeric, by name, with a group by name or number; unknown names are invalid_argument", () => {
  const user = (User: string) => buildSpec({ request: { id: "c", image: "oci:/x" }, root: "/r", lookupRoot: root, image: { User } }).process.user;
  expect(user("1000")).toEqual({ uid: 1000, gid: 1001 });
  expect(user("4242")).toEqual({ uid: 4242, gid: 0 });
  expect(user("app:staff")).toEqual({ uid: 1000, gid: 50 });
  expect(user("7:8")).toEqual({ uid: 7, gid: 8 });
  expect(() => user("ghost")).toThrow("no user ghost in its /etc/passwd");
  expect(() => user("app:ghosts")).toThrow("no group ghosts in its /etc/group");
});

test("mergeEnv replaces a variable in place and appends new ones", () => {
  expect(mergeEnv(["A=1", "B=2"], ["B=3", "C=4", "A=5"])).toEqual(["A=5", "B=3", "C=4"]);
});

test("the hostname is the id, cut to what sethostname takes", () => {
  const id = `h${"x".repeat(127)}`;
  expect(buildSpec({ request: { id, rootfs: root }, root, lookupRoot: root }).hostname).toBe(id.slice(0, 64));
});
