/**
 * podman 4 with conmon (Debian's packages) as the peer whose monitor is the memory anchor: no daemon, one conmon per
 * container. Every podman call gets private dirs (--root, --runroot, --tmpdir under the run's work dir, its runc
 * state in a runc root there too), runc as its runtime, cgroupfs as its cgroup manager and the file events backend;
 * containers run with `--rootfs` on a copy of the bench's busybox rootfs (podman writes mount points such as
 * /etc/hostname into it), without a network, and in cgroups below `/<run prefix>-podman`, so a sweep of the run
 * finds them by name. The spec is kept close to the others': read-only root, no seccomp filter, the same 1024
 * NOFILE (podman's default rlimits are refused here). Exits come from `podman events` (the `died` event, which
 * conmon's exit command `podman container cleanup` writes).
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureRootfs } from "../../../../scripts/bundle.ts";
import { sweepCgroups } from "../cgroups.ts";
import { must, run } from "../exec.ts";
import { ExitFeed, lines } from "../exits.ts";
import { pidsWhere, spawn } from "../procs.ts";
import { sweep } from "../workdir.ts";
import { whenListening } from "./subscriber.ts";
import { createWatched, type Running, type Subscription, type Target, type Watched } from "./target.ts";

export function podmanInstalled(): boolean {
  return ["podman", "conmon"].every((b) => Bun.which(b));
}

export class PodmanTarget implements Target {
  readonly name = "podman" as const;
  readonly dir: string;
  private readonly rootfs: string;
  private readonly runcRoot: string;
  private readonly pidDir: string;
  /** Top-level cgroup name of this run's podman containers and conmons. */
  private readonly cgroupParent: string;
  private readonly feed = new ExitFeed();
  private main: (Subscription & { pid: number }) | undefined;
  private readonly argsOf = new Map<string, string[]>();
  private readonly stamps = new Map<string, number>();
  private probes = 0;

  constructor(work: string, idPrefix: string) {
    this.dir = join(work, "podman");
    this.rootfs = join(this.dir, "rootfs");
    this.runcRoot = join(this.dir, "runc-root");
    this.pidDir = join(this.dir, "pids");
    this.cgroupParent = `${idPrefix}-podman`;
  }

  private podman(...args: string[]): string[] {
    return [
      "podman", "--root", join(this.dir, "root"), "--runroot", join(this.dir, "runroot"), "--tmpdir", join(this.dir, "tmp"),
      "--runtime", "runc", "--runtime-flag", `root=${this.runcRoot}`, "--cgroup-manager", "cgroupfs",
      "--events-backend", "file", "--storage-driver", "vfs", "--log-level", "error", ...args,
    ];
  }

  /** The process of `bundle`'s config.json: what the other systems run from the same bundle. */
  private command(bundle: string): string[] {
    let args = this.argsOf.get(bundle);
    if (!args) {
      args = (JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as { process: { args: string[] } }).process.args;
      this.argsOf.set(bundle, args);
    }
    return args;
  }

  /** `podman run` flags for container `id` running `args`. */
  private runArgs(id: string, args: string[]): string[] {
    return [
      "--name", id, "--network", "none", "--cgroup-parent", `/${this.cgroupParent}`, "--read-only",
      "--security-opt", "seccomp=unconfined", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
      "--rootfs", this.rootfs, ...args,
    ];
  }

  async setup(): Promise<void> {
    mkdirSync(this.pidDir, { recursive: true });
    mkdirSync(this.runcRoot, { recursive: true });
    if (!existsSync(this.rootfs)) cpSync(ensureRootfs(), this.rootfs, { recursive: true, verbatimSymlinks: true });
    this.main = await this.subscribe(this.feed);
  }

  async create(id: string, bundle: string): Promise<Running> {
    const pidFile = join(this.pidDir, `${id}.pid`);
    try {
      await must(this.podman("run", "--detach", "--pidfile", pidFile, ...this.runArgs(id, this.command(bundle))));
    } catch (err) {
      await run(this.podman("rm", "--force", "--time", "0", id));
      throw err;
    }
    return { id, pid: Number(readFileSync(pidFile, "utf8")) };
  }

  createWatched(id: string, bundle: string): Promise<Watched> {
    return createWatched(this.feed, id, () => this.create(id, bundle));
  }

  /** `podman run --rm` in the foreground: create, start, wait, remove; podman exits with the container's status. */
  async runToExit(id: string, bundle: string): Promise<number> {
    const result = await run(this.podman("run", "--rm", ...this.runArgs(id, this.command(bundle))));
    if (result.code !== 0 && result.stderr.includes("Error:")) throw new Error(`podman run ${id}: ${result.stderr.trim()}`);
    return result.code;
  }

  async signal(id: string, signal: number): Promise<void> {
    await must(this.podman("kill", "--signal", String(signal), id));
  }

  async remove(id: string): Promise<void> {
    await must(this.podman("rm", "--force", "--time", "0", id));
  }

  async removeAll(): Promise<void> {
    await run(this.podman("rm", "--all", "--force", "--time", "0"), { timeoutMs: 120_000 });
  }

  async listRunning(): Promise<Set<string>> {
    const out = (await must(this.podman("ps", "--format", "{{.Names}}"))).stdout;
    return new Set(out.split("\n").filter(Boolean));
  }

  /**
   * The `died` event's own time: `podman events` reads the file backend by polling (a quarter of a second here), so
   * the moment it prints an event says more about that poll than about podman's exit path.
   */
  exitStamp(id: string): number | undefined {
    const at = this.stamps.get(id);
    this.stamps.delete(id);
    return at;
  }

  processes(): { daemon?: number; monitors: number[] } {
    return { monitors: pidsWhere((argv) => /(^|\/)conmon$/.test(argv[0]!) && argv.some((a) => a.startsWith(this.dir))) };
  }

  longLived(): number[] {
    return this.main ? [this.main.pid] : [];
  }

  /**
   * `podman events` into `feed`: every `died` event of this store. The subscriber says nothing once it is up, so a
   * throwaway container is run until its `died` event comes through.
   */
  private async subscribe(feed: ExitFeed): Promise<Subscription & { pid: number }> {
    const proc = spawn(this.podman("events", "--format", "json", "--filter", "event=died"), { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    let probe: string | undefined;
    let probed = false;
    (async () => {
      for await (const line of lines(proc.stdout)) {
        let event: { Name?: string; Status?: string; ContainerExitCode?: number; Time?: string };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.Status !== "died" || !event.Name) continue;
        if (event.Name === probe) probed = true;
        else {
          if (event.Time) this.stamps.set(event.Name, wallToMonotonic(event.Time));
          feed.push(event.Name, event.ContainerExitCode ?? 0);
        }
      }
      feed.close("podman events ended");
    })();
    return whenListening(proc, feed, "podman events", 30_000, () => probed, async () => {
      probe = `${this.cgroupParent}-probe-${++this.probes}`;
      await must(this.podman("run", "--rm", ...this.runArgs(probe, ["true"])));
      for (let i = 0; i < 50 && !probed; i++) await Bun.sleep(20);
    });
  }

  async close(): Promise<void> {
    await this.removeAll().catch(() => {});
    this.main?.close();
    this.feed.close("podman target closed");
    const swept = await sweep(this.dir, { runcRoots: [this.runcRoot] });
    const cg = await sweepCgroups((name) => name === this.cgroupParent);
    const left = [...swept.left, ...cg.left];
    if (left.length) throw new Error(`podman target left ${left.join(", ")}`);
  }
}

/** An RFC 3339 time with nanoseconds ("2026-11-29T21:42:24.498391989Z") on the performance.now() clock. */
function wallToMonotonic(time: string): number {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  const wallMs = m ? Date.parse(m[1]! + m[3]!) + Number(`0.${m[2] ?? "0"}`) * 1000 : Date.parse(time);
  return wallMs - performance.timeOrigin;
}
