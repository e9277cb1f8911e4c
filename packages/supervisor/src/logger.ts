/** berthd's structured log (protocol's Logger): JSON lines when stderr is not a terminal, readable lines when it is; never logs tokens. */
import { LEVEL_RANK as RANK, type Level, type Logger } from "@berth/protocol";

export { isLevel, type Level, type Logger } from "@berth/protocol";

export function createLogger(level: Level, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const json = !process.stderr.isTTY;
  const log = (at: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (RANK[at] < RANK[level]) return;
    const time = new Date().toISOString();
    if (json) write(JSON.stringify({ time, level: at, msg, ...fields }));
    else {
      const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
      write(`${time} ${at.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`);
    }
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
