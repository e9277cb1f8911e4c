/** The shim's own log: JSON lines appended to shim.log, with the container id on every line (protocol's Logger). */
import { appendFileSync } from "node:fs";
import type { Level, Logger } from "@berth/protocol";

export function fileLogger(path: string, container: string): Logger {
  const at = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    try {
      appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), level, container, msg, ...fields }) + "\n");
    } catch {
      // The state dir is gone (replaced or removed): there is nobody left to tell.
    }
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
