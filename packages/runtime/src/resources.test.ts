import { expect, test } from "bun:test";
import { linuxResources } from "./resources.ts";

test("every Resources field lands in its LinuxResources place", () => {
  expect(linuxResources({
    memoryLimit: 1, memoryReservation: 2, memorySwap: 3, kernelMemoryLimit: 4, cpuShares: 5, cpuPeriod: 6, cpuQuota: 7,
    cpusetCpus: "0-1", cpusetMems: "0", blkioWeight: 8, pidsLimit: 9,
  })).toEqual({
    memory: { limit: 1, reservation: 2, swap: 3, kernel: 4 },
    cpu: { shares: 5, quota: 7, period: 6, cpus: "0-1", mems: "0" },
    blockIO: { weight: 8 },
    pids: { limit: 9 },
  });
});

test("what is left out stays out of the JSON runc reads, so runc leaves it as it is", () => {
  expect(JSON.parse(JSON.stringify(linuxResources({ memoryLimit: -1 })))).toEqual({ memory: { limit: -1 }, cpu: {}, blockIO: {} });
});
