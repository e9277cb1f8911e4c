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

/** How a runtime words "no such container" and "not in a state for that": the seam for a second runtime. */
export interface ErrorDialect {
  notFound: RegExp;
  failedPrecondition: RegExp;
}

/** runc's texts (and crun's, which follow them). */
export const RUNC_DIALECT: ErrorDialect = {
  notFound: /does not exist|container not found/i,
  failedPrecondition: /not running|is not paused|is paused|already paused|container is stopped|cannot (pause|resume)/i,
};

/** The error code for a runtime's message: not_found, failed_precondition, else runtime_error. */
export function classify(message: string, dialect: ErrorDialect = RUNC_DIALECT): ErrorCode {
  if (dialect.notFound.test(message)) return "not_found";
  if (dialect.failedPrecondition.test(message)) return "failed_precondition";
  return "runtime_error";
}

/** Whether `err` says the runtime has no such container (runc's "does not exist"): a delete of it is done. */
export function isNotFound(err: unknown): boolean {
  return err instanceof BerthError && err.code === "not_found";
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
