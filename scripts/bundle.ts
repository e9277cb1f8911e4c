/**
 * OCI bundles for demos, tests and benchmarks: one shared read-only busybox rootfs (from Debian's busybox-static)
 * and bundles that are only a config.json pointing at it, so making a bundle costs one small file.
 *
 *   bun scripts/bundle.ts rootfs            make dist/rootfs if missing
 *   bun scripts/bundle.ts demo              make dist/bundles/demo (a shell printing a line every 2s), print its path
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";

export const DIST = resolve(import.meta.dir, "..", "dist");
export const ROOTFS = join(DIST, "rootfs");
const BUSYBOX = "/bin/busybox";

/** Builds the shared rootfs once: busybox and a symlink per applet; a half-built one is never left in place. */
export function ensureRootfs(rootfs = ROOTFS): string {
  if (existsSync(join(rootfs, "bin", "sh"))) return rootfs;
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  const tmp = `${rootfs}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "root"]) mkdirSync(join(tmp, d), { recursive: true });
  copyFileSync(BUSYBOX, join(tmp, "bin", "busybox"));
  chmodSync(join(tmp, "bin", "busybox"), 0o755);
  const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
  for (const applet of applets) symlinkSync("busybox", join(tmp, "bin", applet));
  writeFileSync(join(tmp, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(tmp, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  mkdirSync(resolve(rootfs, ".."), { recursive: true });
  renameSync(tmp, rootfs);
  return rootfs;
}

export interface BundleOptions {
  args: string[];
  terminal?: boolean;
  env?: string[];
  /** cgroup memory limit in bytes */
  memoryLimit?: number;
  /**
   * A pid namespace of its own (default). Without one the init is an ordinary process, so a signal it has no
   * handler for kills it (SIGTERM gives 143); pid 1 of a namespace ignores such signals.
   */
  pidNamespace?: boolean;
  rootfs?: string;
}

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** The OCI spec of `runc spec` with our rootfs (read-only, a tmpfs on /tmp) and the given process. */
export function ociSpec(o: BundleOptions): object {
  return {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: o.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: o.args,
      env: o.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: o.rootfs ?? ensureRootfs(), readonly: true },
    hostname: "berth",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    ],
    linux: {
      resources: {
        devices: [{ allow: false, access: "rwm" }],
        ...(o.memoryLimit ? { memory: { limit: o.memoryLimit, swap: o.memoryLimit } } : {}),
      },
      namespaces: [...(o.pidNamespace === false ? [] : [{ type: "pid" }]), { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** Writes `<dir>/config.json` for the given process; returns the bundle dir. */
export function makeBundle(dir: string, options: BundleOptions): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(ociSpec(options), null, 2));
  return dir;
}

if (import.meta.main) {
  const what = process.argv[2];
  if (what === "rootfs") console.log(ensureRootfs());
  else if (what === "demo") {
    console.log(makeBundle(join(DIST, "bundles", "demo"), {
      args: ["sh", "-c", "while true; do echo hello from berth; sleep 2; done"],
      pidNamespace: false,
    }));
  } else {
    console.error("usage: bun scripts/bundle.ts rootfs|demo");
    process.exit(2);
  }
}
