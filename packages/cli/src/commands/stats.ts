/** `containers stats`: one sample of the container's cgroup stats, or one a second with --watch (CPU % between samples). */
import type { Stats } from "@berth/protocol";
import { command, JSON_OPTION, ONE_ID } from "../command.ts";
import { json, jsonLine, line, write } from "../output.ts";
import { LiveTable } from "../table.ts";
import { STATS_HEADER, statsRow } from "../views.ts";

const INTERVAL_MS = 1000;

export const stats = command({
  name: "stats",
  summary: "Show the container's CPU, memory, pids and block IO, read from its cgroups",
  details: "With --watch on a terminal the table is redrawn in place; otherwise a row is added per sample (JSON: one line each).",
  ...ONE_ID,
  options: { watch: { type: "boolean", short: "w", help: "take a sample every second until interrupted" }, ...JSON_OPTION },
  async run({ client }, { watch, json: asJson }, [id]) {
    const view = new LiveTable(STATS_HEADER, [12, 6, 9, 20, 5]);
    const redraw = Boolean(process.stdout.isTTY);
    let previous: Stats | undefined;
    for (;;) {
      const sample = await client.stats(id!);
      if (asJson) await (watch ? jsonLine(sample) : json(sample));
      else {
        const row = view.row(statsRow(id!, sample, previous));
        if (!previous || redraw) await write(`${watch && redraw ? "\x1b[H\x1b[2J" : ""}${view.headerLine}\n`);
        await line(row);
      }
      if (!watch) return;
      previous = sample;
      await Bun.sleep(INTERVAL_MS);
    }
  },
});
