/**
 * `containers stats [ID...]`: one sample of the containers' cgroup stats (every running or paused container when
 * no id is given, as `docker stats` does), or one a second with --watch (CPU % between samples).
 */
import { BerthError, type Stats } from "@berth/protocol";
import type { BerthClient } from "../client.ts";
import { command, JSON_OPTION } from "../command.ts";
import { json, jsonLine, line, write } from "../output.ts";
import { LiveTable } from "../table.ts";
import { STATS_HEADER, statsRow } from "../views.ts";

const INTERVAL_MS = 1000;

export const stats = command({
  name: "stats",
  summary: "Show containers' CPU, memory, pids and block IO, read from their cgroups (all running ones without an id)",
  details: [
    "With --watch on a terminal the table is redrawn in place; otherwise rows are added per sample. --json prints",
    "the API's Stats for one id, else an object of Stats by id (with --watch: one JSON line per sample).",
  ].join("\n"),
  args: "[ID...]",
  arity: [0, Infinity],
  options: { watch: { type: "boolean", short: "w", help: "take a sample every second until interrupted" }, ...JSON_OPTION },
  async run({ client }, { watch, json: asJson }, ids) {
    const view = new LiveTable(STATS_HEADER, [12, 6, 9, 20, 5]);
    const redraw = Boolean(process.stdout.isTTY);
    let previous = new Map<string, Stats>();
    for (let first = true; ; first = false) {
      const samples = await sample(client, ids);
      if (asJson) {
        const value = ids.length === 1 ? samples.get(ids[0]!) : Object.fromEntries(samples);
        await (watch ? jsonLine(value) : json(value));
      } else {
        const rows = [...samples].map(([id, s]) => view.row(statsRow(id, s, previous.get(id))));
        if (first || redraw) await write(`${watch && redraw ? "\x1b[H\x1b[2J" : ""}${view.headerLine}\n`);
        if (rows.length) await line(rows.join("\n"));
      }
      if (!watch) return;
      previous = samples;
      await Bun.sleep(INTERVAL_MS);
    }
  },
});

/**
 * One sample of each container named, or of every running or paused one. A named container that cannot be read is
 * an error; one of the whole listing that is gone (or exited) by the time it is read is left out.
 */
async function sample(client: BerthClient, ids: string[]): Promise<Map<string, Stats>> {
  const named = ids.length > 0;
  const targets = named ? ids : (await client.containers()).filter((c) => c.status !== "stopped").map((c) => c.id);
  const results = await Promise.all(targets.map(async (id) => {
    try {
      return [id, await client.stats(id)] as const;
    } catch (err) {
      if (!named && err instanceof BerthError && (err.code === "not_found" || err.code === "failed_precondition")) return undefined;
      throw err;
    }
  }));
  return new Map(results.filter((r) => r !== undefined));
}
