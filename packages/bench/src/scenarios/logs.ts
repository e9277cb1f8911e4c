/**
 * logs: one container writes X MiB to stdout that berth-shim captures (no stdout given): MiB/s, and whether the
 * capture bound held (each file at most --log-max-size, two files at most). The container writes, then a marker
 * line, then sleeps, so the captured files can be read once it is done. Raw runc writing straight into a file is
 * the reference: the same bytes with no copy in between.
 */
import { closeSync, openSync, readdirSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../exec.ts";
import { MiB, parseSize } from "@berth/cli";
import { put, type Scenario, section, withTargets } from "../scenario.ts";
import { median } from "../stats.ts";
import { RuncTarget } from "../targets/runc.ts";

const MARKER = "BENCH-END\n";
const TIMEOUT_MS = 120_000;

export const logs: Scenario = {
  name: "logs",
  summary: "one container writing X MiB to captured stdout: MiB/s, and that the capture bound held",
  peers: ["runc"],
  async run(ctx, out) {
    const mib = ctx.flags.mib ?? 256;
    const logMaxSize = ctx.flags.logMaxSize ?? "16MiB";
    const maxBytes = parseSize("log-max-size", logMaxSize);
    const rounds = ctx.flags.rounds;
    out.params = { mib, logMaxSize, rounds };
    const write = `dd if=/dev/zero bs=1048576 count=${mib} 2>/dev/null; printf '${MARKER.trim()}\\n'`;
    const berthBundle = ctx.bundles.get(`logs-${mib}-sleep`, ["sh", "-c", `${write}; exec sleep 100000`]);
    const runcBundle = ctx.bundles.get(`logs-${mib}`, ["sh", "-c", write]);
    const fromRunning: number[] = [];
    const endToEnd: number[] = [];
    const reference: number[] = [];
    let largestFile = 0;
    let mostFiles = 0;
    let routeOk: boolean | undefined;
    const runc = await withTargets(this, ctx, out, async ({ berth, all }) => {
      const peer = all.find((t): t is RuncTarget => t instanceof RuncTarget);
      for (let r = 0; r < rounds; r++) {
        const phase = `logs round ${r + 1}/${rounds}`;
        ctx.progress.set(`${phase} | berth writing ${mib} MiB`);
        const id = ctx.id();
        const t0 = performance.now();
        await berth.create(id, berthBundle);
        const t1 = performance.now();
        const dir = join(berth.stateDir, "containers", id, "logs");
        for (;;) {
          const files = sizes(dir);
          largestFile = Math.max(largestFile, ...files.map((f) => f.size));
          mostFiles = Math.max(mostFiles, files.length);
          if (endsWith(join(dir, "init.log"), MARKER)) break;
          if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`the marker did not reach ${dir}/init.log within ${TIMEOUT_MS / 1000} s`);
          await sleep(2);
        }
        const t2 = performance.now();
        fromRunning.push(mib / ((t2 - t1) / 1000));
        endToEnd.push(mib / ((t2 - t0) / 1000));
        for (const f of sizes(dir)) largestFile = Math.max(largestFile, f.size);
        const tail = await new Response(await berth.client.logs(id, "init", { tail: 1 })).text().catch(() => "");
        routeOk = (routeOk ?? true) && tail.includes(MARKER.trim());
        await berth.removeAll();
        if (peer) {
          ctx.progress.set(`${phase} | runc writing ${mib} MiB into a file`);
          const path = join(ctx.work, "runc-output");
          const s0 = performance.now();
          const status = await peer.runToFile(ctx.id(), runcBundle, path);
          const s1 = performance.now();
          const size = statSync(path).size;
          rmSync(path, { force: true });
          if (status !== 0 || size < mib * MiB) throw new Error(`runc reference: status ${status}, ${size} bytes written`);
          reference.push(mib / ((s1 - s0) / 1000));
        }
      }
      return peer;
    }, { logMaxSize });
    const s = section(out, "");
    put(s, { key: "mibps_running", label: "MiB/s captured, from running", unit: "MiB/s", better: "higher" }, "berth", median(fromRunning), fromRunning);
    put(s, { key: "mibps_e2e", label: "MiB/s, create → all written", unit: "MiB/s", better: "higher" }, "berth", median(endToEnd), endToEnd);
    if (runc) put(s, { key: "mibps_e2e", label: "MiB/s, create → all written", unit: "MiB/s", better: "higher" }, "runc", median(reference), reference);
    put(s, { key: "largest_file", label: "largest log file", unit: "MiB", better: "none" }, "berth", largestFile / MiB);
    put(s, { key: "files", label: "log files at once, most", unit: "", better: "none" }, "berth", mostFiles);
    const held = largestFile <= maxBytes && mostFiles <= 2;
    put(s, { key: "bound_held", label: `bound held (≤ ${logMaxSize} a file, ≤ 2 files)`, unit: "bool", better: "higher" }, "berth", Number(held));
    put(s, { key: "logs_route", label: "logs route serves the capture", unit: "bool", better: "higher" }, "berth", routeOk === undefined ? null : Number(routeOk));
    if (!held) out.errors.push(`capture bound broken: largest file ${largestFile} bytes (max ${maxBytes}), ${mostFiles} files at once`);
    out.notes.push("files are sampled every 2 ms while the container writes; runc's figure is its stdout as a plain file (no capture)");
  },
};

/** The capture logs in `dir` (`<pid>.log`, `<pid>.log.1`); their time indexes beside them have a bound of their own. */
function sizes(dir: string): { name: string; size: number }[] {
  try {
    return readdirSync(dir).filter((name) => /\.log(\.1)?$/.test(name)).map((name) => {
      try {
        return { name, size: statSync(join(dir, name)).size };
      } catch {
        return { name, size: 0 };
      }
    });
  } catch {
    return [];
  }
}

function endsWith(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    const size = statSync(path).size;
    if (size < text.length) return false;
    const buf = Buffer.alloc(text.length);
    readSync(fd, buf, 0, text.length, size - text.length);
    return buf.toString() === text;
  } finally {
    closeSync(fd);
  }
}
