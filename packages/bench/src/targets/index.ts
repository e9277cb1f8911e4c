/** Making the targets a scenario asks for, set up, with their close registered for cleanup. */
import { onCleanup } from "../cleanup.ts";
import type { SystemName } from "../result.ts";
import { type BerthOptions, BerthTarget } from "./berth.ts";
import { ContainerdTarget, containerdInstalled } from "./containerd.ts";
import { PodmanTarget, podmanInstalled } from "./podman.ts";
import { RuncTarget } from "./runc.ts";
import type { Target } from "./target.ts";

export { BerthTarget } from "./berth.ts";
export type { Target } from "./target.ts";

/** Peers this machine can run. */
export function availablePeers(): SystemName[] {
  return [
    ...(Bun.which("runc") ? ["runc" as const] : []),
    ...(containerdInstalled() ? ["containerd" as const] : []),
    ...(podmanInstalled() ? ["podman" as const] : []),
  ];
}

export interface OpenTargets {
  berth: BerthTarget;
  all: Target[];
  /** Peers that could not be set up, with why. */
  failed: string[];
  close(): Promise<void>;
}

/**
 * Berth plus the given peers, each set up; a peer that fails to start is left out and reported. At close (also
 * the one a stop runs) each keeps its daemon's log in `keepLogsIn`.
 */
export async function openTargets(work: string, idPrefix: string, peers: SystemName[], berthOptions: BerthOptions = {}, keepLogsIn?: string): Promise<OpenTargets> {
  const berth = new BerthTarget(work, berthOptions);
  const all: Target[] = [berth];
  for (const p of peers) {
    if (p === "runc") all.push(new RuncTarget(work));
    if (p === "containerd") all.push(new ContainerdTarget(work));
    if (p === "podman") all.push(new PodmanTarget(work, idPrefix));
  }
  const unregister = all.map((t) => onCleanup(t.name, () => t.close(keepLogsIn)));
  const failed: string[] = [];
  const ready: Target[] = [];
  for (const [i, t] of all.entries()) {
    try {
      await t.setup();
      ready.push(t);
    } catch (err) {
      if (t === berth) {
        await Promise.all(all.map((x) => x.close(keepLogsIn).catch(() => {})));
        unregister.forEach((u) => u());
        throw err;
      }
      failed.push(`${t.name}: ${(err as Error).message}`);
      await t.close(keepLogsIn).catch(() => {});
      unregister[i]!();
    }
  }
  return {
    berth,
    all: ready,
    failed,
    /** Closes every target, even when one fails; then throws what each left behind. */
    close: async () => {
      const errors: string[] = [];
      for (const [i, t] of all.entries()) {
        if (ready.includes(t)) await t.close(keepLogsIn).catch((err: Error) => errors.push(err.message));
        unregister[i]!();
      }
      if (errors.length) throw new Error(errors.join("; "));
    },
  };
}
