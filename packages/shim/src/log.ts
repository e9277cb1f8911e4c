/** The shim's own log: JSON lines appended to shim.log, with the container id on every line. */
import { appendFileSync } from "node:fs";

export type ShimLogger = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export function fileLogger(path: string, container: string): ShimLogger {
  return (level, msg, fields) => {
    try {
      appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), level, container, msg, ...fields }) + "\n");
    } catch {
      // The state dir is gone (released): there is nobody left to tell.
    }
  };
}
