/**
 * `bun taskstats-listener.ts <work dir>`: a process of its own that blocks on the kernel's taskstats socket and
 * writes every thread exit on this machine's CPUs to stdout, one line each: `tid tgid ppid cpuNs comm` (and
 * `dropped N` when the kernel's queue overflowed). It runs apart from the bench because its read blocks. The work
 * dir in its argv lets a sweep of the run find and kill it.
 */
import { readFileSync, writeSync } from "node:fs";
import { TaskstatsListener } from "@berth/sys";

const listener = TaskstatsListener.open(readFileSync("/sys/devices/system/cpu/online", "utf8").trim());
writeSync(1, "ready\n");
let dropped = 0;
for (;;) {
  const exits = listener.read();
  let out = exits.map((e) => `${e.tid} ${e.tgid} ${e.ppid} ${e.cpuNs} ${e.comm}\n`).join("");
  if (listener.dropped !== dropped) out += `dropped ${(dropped = listener.dropped)}\n`;
  if (out) writeSync(1, out);
}
