/**
 * berth, the command line of berthd: assembles the command tree and runs the command line with it, or answers the
 * completion scripts (`__complete`).
 */
import { run, type Tree } from "./cli.ts";
import { complete, render } from "./complete.ts";
import { checkpoints } from "./commands/checkpoints.ts";
import { completion } from "./commands/completion.ts";
import { containers } from "./commands/containers.ts";
import { events } from "./commands/events.ts";
import { exec } from "./commands/exec.ts";
import { image, images } from "./commands/images.ts";
import { processCommands } from "./commands/processes.ts";
import { run as runCommand } from "./commands/run.ts";
import { systemCommands } from "./commands/system.ts";

const tree: Tree = {
  entries: [...systemCommands, containers, runCommand, exec, ...processCommands, images, image, events, checkpoints, completion],
  shortcuts: containers,
};

const argv = process.argv.slice(2);
// The completion scripts' entry point (complete.ts); not a command of its own, so no help lists it.
if (argv[0] === "__complete") {
  process.stdout.write(`${render(await complete(tree, argv.slice(1)))}\n`);
  process.exit(0);
}
process.exit(await run(argv, tree));
