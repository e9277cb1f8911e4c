/**
 * Runs one command line against the command tree: finds the command (groups, aliases, and the containers
 * commands that also work without the word `containers`), parses its options with the global ones, answers
 * `--help`, and turns the outcome into the exit status: the command's own, 1 for an error (the API's message on
 * stderr), 2 for a usage error, 141 when stdout's reader has gone.
 */
import { closestWithin, parse, typoBound, UsageError } from "./args.ts";
import { BerthClient } from "./client.ts";
import { commandHelp, type Command, type Entry, GLOBAL_OPTIONS, type Group, groupHelp, isGroup, names } from "./command.ts";
import { DEFAULT_ADDRESS, DEFAULT_TOKEN_FILE, endpoint } from "./endpoint.ts";
import { isBrokenPipe, line, warn } from "./output.ts";
import { absolute } from "./paths.ts";

const TITLE = "berth: drive berthd, the Berth container supervisor, through its HTTP API (docs/api.md).";

export interface Tree {
  entries: Entry[];
  /** The group whose commands also work at the top level ("berth kill" for "berth containers kill"). */
  shortcuts: Group;
}

export async function run(argv: string[], tree: Tree): Promise<number> {
  let path = "";
  try {
    const found = findCommand(argv, tree);
    path = found.path;
    if (!("command" in found)) {
      const help = groupHelp(found.path, found.title, found.entries, found.path ? "" : shortcutsNote(tree.shortcuts));
      if (!argv.some((a) => a === "-h" || a === "--help")) throw new UsageError(`${found.path ? `'berth ${found.path}' needs a command` : "no command given"}\n\n${help}`);
      await line(help);
      return 0;
    }
    const { command: cmd, rest } = found;
    const { values, positionals } = parse(rest, { ...cmd.options, ...GLOBAL_OPTIONS }, cmd.passThrough);
    if (values.help) {
      await line(commandHelp(path, cmd));
      return 0;
    }
    const [min, max] = cmd.arity ?? [0, 0];
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(positionals.length < min ? `expected ${cmd.args}` : `unexpected argument ${JSON.stringify(positionals[max])}`);
    }
    const client = new BerthClient(toEndpoint(values.address as string | undefined, values["token-file"] as string | undefined));
    return (await cmd.run({ client }, values, positionals)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      warn(`${err.message}${err.message.includes("\n") ? "" : `\nRun 'berth ${path ? `${path} ` : ""}--help' for usage.`}`);
      return 2;
    }
    if (isBrokenPipe(err)) return 141;
    warn(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

function shortcutsNote(group: Group): string {
  return `The ${group.name} commands also work without the word '${group.name}': ${group.commands.map((c) => c.name).join(", ")}.`;
}

type Found =
  | { path: string; command: Command; rest: string[] }
  | { path: string; title: string; entries: Entry[] };

/** The command named by the first words that are not options (nor values of global options); the rest is its argv. */
function findCommand(argv: string[], tree: Tree): Found {
  let entries = tree.entries;
  let title = TITLE;
  const words: string[] = [];
  const rest = [...argv];
  for (;;) {
    const at = nextWord(rest);
    if (at < 0) return { path: words.join(" "), title, entries };
    const word = rest[at]!;
    const entry = entries.find((e) => names(e).includes(word))
      ?? (words.length === 0 ? tree.shortcuts.commands.find((c) => names(c).includes(word)) : undefined);
    if (!entry) {
      const known = [...entries, ...(words.length === 0 ? tree.shortcuts.commands : [])].flatMap(names);
      const near = closestWithin(word, known, typoBound(word));
      throw new UsageError(`unknown command ${JSON.stringify([...words, word].join(" "))}${near ? `; did you mean '${[...words, near].join(" ")}'?` : ""}\n` +
        `Run 'berth ${words.map((w) => `${w} `).join("")}--help' for the commands.`);
    }
    rest.splice(at, 1);
    words.push(entry.name);
    if (!isGroup(entry)) return { path: words.join(" "), command: entry, rest };
    entries = entry.commands;
    title = entry.summary;
  }
}

/** The index of the first word that is not an option; values of the global options are skipped. */
function nextWord(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return -1;
    if (!arg.startsWith("-")) return i;
    if (arg === "--address" || arg === "--token-file") i++;
  }
  return -1;
}

/** The endpoint of --address (else $BERTH_ADDRESS, else the default socket) and --token-file; bad ones are usage errors. */
export function toEndpoint(address = process.env.BERTH_ADDRESS || DEFAULT_ADDRESS, tokenFile = DEFAULT_TOKEN_FILE) {
  try {
    return endpoint(address, absolute(tokenFile));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
