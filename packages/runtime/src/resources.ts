/** API.md's Resources as the OCI LinuxResources `runc update --resources -` reads. */
import type { Resources } from "@berth/protocol";
import type { LinuxResources } from "./runc.ts";

/** What is left out stays out of the JSON, so the runtime leaves it as it is. */
export function linuxResources(r: Resources): LinuxResources {
  return {
    memory: { limit: r.memoryLimit, reservation: r.memoryReservation, swap: r.memorySwap, kernel: r.kernelMemoryLimit },
    cpu: { shares: r.cpuShares, quota: r.cpuQuota, period: r.cpuPeriod, cpus: r.cpusetCpus, mems: r.cpusetMems },
    blockIO: { weight: r.blkioWeight },
    ...(r.pidsLimit === undefined ? {} : { pids: { limit: r.pidsLimit } }),
  };
}
