/**
 * Run as its own process by process.test.ts (never inside the test worker): becomes a child subreaper, lets `sh`
 * orphan background children to it, then peeks and reaps them by pid. Prints one JSON object with what it saw.
 */
import { readFileSync } from "node:fs";
import { closeFd, makePipe } from "../fd.ts";
import { isChildSubreaper, peekExitedChild, processExists, reapPid, sendSignal, setChildSubreaper } from "../process.ts";

/**
 * Starts `sh -c "(cmd) &"`, waits until Bun has reaped sh (so the background child is re-parented to us) and
 * returns the child's pid with a trigger: the child reads fd 3 first, so it runs `cmd` only once `release` closes
 * our write end. That keeps sh from reaping a child that exits too early.
 */
async function orphan(cmd: string): Promise<{ pid: number; release: () => void }> {
  const [r, w] = makePipe();
  const sh = Bun.spawn(["sh", "-c", `(read x <&3; ${cmd}) >/dev/null & echo $!`], { stdio: ["ignore", "pipe", "inherit", r] });
  closeFd(r);
  const pid = Number((await new Response(sh.stdout).text()).trim());
  await sh.exited;
  return { pid, release: () => closeFd(w) };
}

/** Polls `probe` until it gives a value: waits for an event (the orphan exiting), bounded. */
async function until<T>(probe: () => T | undefined): Promise<T | undefined> {
  for (const end = Date.now() + 5000; Date.now() < end; await Bun.sleep(1)) {
    const v = probe();
    if (v !== undefined) return v;
  }
  return undefined;
}

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

const out: Record<string, unknown> = { self: process.pid };
out.peekWithNoChildren = peekExitedChild() ?? null;
out.subreaperBefore = isChildSubreaper();
setChildSubreaper();
out.subreaperAfter = isChildSubreaper();

// An orphan that exits with 3: peek leaves it in place, reap collects it exactly once.
const exiting = await orphan("exit 3");
out.exitedPid = exiting.pid;
out.exitedParent = ppidOf(exiting.pid);
out.peekBeforeExit = peekExitedChild() ?? null;
out.reapBeforeExit = reapPid(exiting.pid) ?? null;
exiting.release();
out.firstPeek = (await until(peekExitedChild)) ?? null;
out.secondPeek = peekExitedChild() ?? null;
out.existsAsZombie = processExists(exiting.pid);
out.reaped = reapPid(exiting.pid) ?? null;
out.reapedAgain = reapPid(exiting.pid) ?? null;
out.existsAfterReap = processExists(exiting.pid);
out.peekAfterReap = peekExitedChild() ?? null;

// A running orphan killed by a signal: 128+9.
const running = await orphan("exit 0");
out.runningExists = processExists(running.pid);
out.killSent = sendSignal(running.pid, 9);
out.killedStatus = (await until(() => reapPid(running.pid))) ?? null;
out.signalAfterReap = sendSignal(running.pid, 0);
running.release();

console.log(JSON.stringify(out));
