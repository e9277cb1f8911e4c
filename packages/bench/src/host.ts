/** The machine: what it is (for the JSON), and how busy other work keeps its CPUs right now. */
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { run, sleep, versionOf } from "./exec.ts";

export async function hostInfo(repo: string): Promise<Record<string, unknown>> {
  const git = await run(["git", "-C", repo, "rev-parse", "--short", "HEAD"]).catch(() => undefined);
  const dirty = await run(["git", "-C", repo, "status", "--porcelain", "--", "packages"]).catch(() => undefined);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    kernel: release(),
    load: loadavg(),
    berthRevision: git?.code === 0 ? git.stdout.trim() : undefined,
    /** Uncommitted changes under packages/: the figures are then of the work tree, not of the revision. */
    berthUncommitted: dirty?.code === 0 ? dirty.stdout.trim().length > 0 : undefined,
    shimCompiled: existsSync(join(repo, "dist/berth-shim")),
    versions: {
      bun: Bun.version,
      runc: await versionOf(["runc", "--version"]),
      containerd: await versionOf(["containerd", "--version"]),
      podman: await versionOf(["podman", "--version"]),
      conmon: await versionOf(["conmon", "--version"]),
      wrk: await versionOf(["wrk", "-v"]),
    },
  };
}

function cpuTimes(): { idle: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle: fields[3]! + fields[4]!, total };
}

/**
 * The share of all CPUs (0..1) busy over the next `ms`. Taken between scenarios, when the bench itself runs
 * nothing, it is the load of everything else on the machine (load average would still count the bench's last run).
 */
export async function cpuBusy(ms = 300): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/**
 * Waits until other work leaves the CPUs alone: `quietFor` ms in a row below `threshold` busy, checked each second.
 * Gives up after `maxMs`; returns how busy the last second was.
 */
export async function waitQuiet(maxMs: number, onWait: (busy: number) => void, threshold = 0.15, quietFor = 3000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let quietSince = Date.now();
  for (;;) {
    const busy = await cpuBusy(1000);
    if (busy >= threshold) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietFor) return busy;
    if (Date.now() > deadline) return busy;
    onWait(busy);
  }
}
