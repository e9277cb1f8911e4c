/**
 * Run as its own process by reaper.test.ts: installs the reaper (a subreaper with its SIGCHLD handling), then
 * runs Bun.spawn children (registered through `spawn` and not) while orphans die around them, and waits for known
 * pids with `waitFor`. Prints one JSON object: Bun children that lost their status, the statuses waitFor gave,
 * and zombies left.
 */
import { readdirSync, readFileSync } from "node:fs";
import { installReaper, spawn, waitFor } from "../reaper.ts";

installReaper();
const keepAlive = setInterval(() => {}, 1 << 30); // never idle on signal listeners alone

let bunErrors = 0;
const bunChildren: Promise<void>[] = [];
for (let i = 0; i < 40; i++) {
  const child = i % 2 === 0 ? spawn(["sh", "-c", `exit ${i % 7}`], { stdio: ["ignore", "ignore", "ignore"] }) : Bun.spawn(["true"]);
  bunChildren.push(child.exited.then(() => {}, () => void bunErrors++));
}
// Orphans: sh exits at once, its background children are re-parented to us and die at random times.
for (let i = 0; i < 20; i++) {
  Bun.spawn(["sh", "-c", `(sleep 0.0${i % 9}; exit 3) & (sleep 0.0${(i + 4) % 9}) & exit 0`], { stdio: ["ignore", "ignore", "ignore"] });
}
// Known pids: the first line of each sh is the pid of a background child that exits with a chosen code.
const waited: number[] = [];
for (const code of [5, 9]) {
  const sh = Bun.spawn(["sh", "-c", `(sleep 0.05; exit ${code}) & echo $!`], { stdout: "pipe" });
  const pid = Number((await new Response(sh.stdout).text()).trim());
  waited.push(await waitFor(pid));
}
await Promise.all(bunChildren);
// Let the sweep (50 ms after the last SIGCHLD) run, then look for our zombies.
await Bun.sleep(400);
const zombies = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
  try {
    const status = readFileSync(`/proc/${p}/status`, "utf8");
    return /^State:\s+Z/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, "m").test(status);
  } catch {
    return false;
  }
});
clearInterval(keepAlive);
console.log(JSON.stringify({ bunErrors, waited, zombies: zombies.length }));
process.exit(0);
