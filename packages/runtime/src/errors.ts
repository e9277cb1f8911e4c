/** RuntimeError: a failed runtime call with runc's own words, and the one place that classifies runc's texts. */
import { basename } from "node:path";
import { BerthError, type ErrorCode } from "@berth/protocol";

export class RuntimeError extends BerthError {
  constructor(
    readonly op: string,
    readonly exitStatus: number,
    readonly argv: string[],
    readonly runtimeMessage: string,
  ) {
    // runc words its own errors "runc create failed: ..."; other failures get the same prefix here.
    const prefix = `${basename(argv[0] ?? "runtime")} ${op} failed: `;
    super(classify(runtimeMessage), / failed: /.test(runtimeMessage) ? runtimeMessage : prefix + runtimeMessage);
  }
}

/** Known runc texts that mean "no such container" or "not in a state for that"; anything else is runtime_error. */
export function classify(message: string): ErrorCode {
  if (/does not exist|container not found/i.test(message)) return "not_found";
  if (/not running|is not paused|is paused|already paused|container is stopped|cannot (pause|resume)/i.test(message)) {
    return "failed_precondition";
  }
  return "runtime_error";
}

/** The message of the last error-level line of a runc JSON log (`--log-format json`), or of the last line. */
export function lastLogError(log: string): string | undefined {
  let last: string | undefined;
  for (const line of log.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.msg && (entry.level === "error" || entry.level === "fatal")) last = entry.msg;
    } catch {
      last = line.trim();
    }
  }
  return last;
}
