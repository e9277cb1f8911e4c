/** Facts about the host for GET /v1/state. */
import { availableParallelism, totalmem } from "node:os";

export function machineInfo(): { cpus: number; memory: number } {
  return { cpus: availableParallelism(), memory: totalmem() };
}
