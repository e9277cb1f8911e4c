/** berth, the command line of berthd: assembles the command tree and runs the command line with it. */
import { run, type Tree } from "./cli.ts";
import { checkpoints } from "./commands/checkpoints.ts";
import { completion } from "./commands/completion.ts";
import { containers } from "./commands/containers.ts";
import { events } from "./commands/events.ts";
import { exec } from "./commands/exec.ts";
import { processCommands } from "./commands/processes.ts";
import { systemCommands } from "./commands/system.ts";

const tree: Tree = {
  entries: [...systemCommands, containers, exec, ...processCommands, events, checkpoints, completion(() => tree)],
  shortcuts: containers,
};

process.exit(await run(process.argv.slice(2), tree));
