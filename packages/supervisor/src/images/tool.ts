/**
 * Runs the image tools (skopeo, umoci) as bounded child processes: output collected, a run past its bound
 * killed, and a failure turned into a BerthError of the caller's code that carries the tool's own words (the
 * `msg="..."` of its last log line, else its last line of stderr).
 */
import { BerthError, type ErrorCode } from "@berth/protocol";
import { spawn } from "@berth/sys";

export interface ToolRun {
  /** What the run is for, leading the error message: "fetch image oci:/x". */
  what: string;
  /** The code of the error when the tool fails: invalid_argument when the input named something unusable. */
  code: ErrorCode;
  timeoutMs: number;
}

/** Runs `argv` and resolves to its stdout; rejects with the tool's own error text, or `timeout`. */
export async function runTool(argv: string[], run: ToolRun): Promise<Buffer> {
  let proc;
  try {
    proc = spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new BerthError("internal", `${run.what}: cannot run ${argv[0]} (is it installed? bash scripts/setup.sh): ${(err as Error).message}`);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, run.timeoutMs);
  const [stdout, stderr, status] = await Promise.all([
    new Response(proc.stdout as ReadableStream).arrayBuffer(),
    new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (timedOut) throw new BerthError("timeout", `${run.what}: ${argv[0]} did not finish within ${run.timeoutMs} ms`);
  if (status !== 0) throw new BerthError(run.code, `${run.what}: ${argv[0]} ${argv[1]} failed: ${toolMessage(stderr) || `exit status ${status}`}`);
  return Buffer.from(stdout);
}

/** The message of a tool's last error line: logrus's `msg="..."` unquoted, or the line as it is. */
export function toolMessage(stderr: string): string {
  const last = stderr.trim().split("\n").at(-1) ?? "";
  const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(last);
  return m ? m[1]!.replace(/\\(.)/g, "$1") : last.trim();
}
