/** berthd as a whole: its version, and its state (machine and containers). */
import { command, JSON_OPTION } from "../command.ts";
import { json, line } from "../output.ts";
import { formatBytes } from "../units.ts";
import { containersTable } from "../views.ts";

const version = command({
  name: "version",
  summary: "Show berthd's version, revision and OCI runtime",
  options: JSON_OPTION,
  async run({ client }, { json: asJson }) {
    const v = await client.version();
    await (asJson ? json(v) : line(`berthd ${v.version} (revision ${v.revision}), runtime ${v.runtime}`));
  },
});

const state = command({
  name: "state",
  summary: "Show the machine (CPUs, memory) and every container",
  options: JSON_OPTION,
  async run({ client }, { json: asJson }) {
    const s = await client.state();
    if (asJson) return json(s);
    await line(`machine: ${s.machine.cpus} CPUs, ${formatBytes(s.machine.memory)} memory\n\n${containersTable(s.containers)}`);
  },
});

export const systemCommands = [version, state];
