/**
 * What a command is (name, synopsis, options, run) and a group of them; what every command is handed (the
 * client); the options several commands share; and a command's help text.
 */
import { optionsHelp, type OptionSpecs, type ParseOptions, type Values } from "./args.ts";
import type { BerthClient } from "./client.ts";
import { DEFAULT_ADDRESS, DEFAULT_TOKEN_FILE } from "./endpoint.ts";

export interface Context {
  client: BerthClient;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  aliases?: string[];
  /** One line, for listings. */
  summary: string;
  /** More, for the command's own help. */
  details?: string;
  /** The positionals' synopsis: "ID BUNDLE", "ID [ID...]", "-- ARGS...". */
  args?: string;
  /** How many positionals, at least and at most; none by default. */
  arity?: [number, number];
  /** The words its first positional takes, for completion ("bash", "zsh", "fish"). */
  choices?: string[];
  /** Where the command line it runs begins: the rest of the line is taken as written from there. */
  passThrough?: ParseOptions;
  options: O;
  /** Resolves to the exit status (0 when nothing is returned). */
  run(ctx: Context, values: Values<O>, positionals: string[]): Promise<number | void>;
}

export interface Group {
  name: string;
  aliases?: string[];
  summary: string;
  commands: Command[];
}

export type Entry = Command | Group;

export const isGroup = (entry: Entry): entry is Group => "commands" in entry;

/** Declares a command; keeps its option values typed inside `run`. */
export function command<const O extends OptionSpecs>(spec: Command<O>): Command {
  return spec as unknown as Command;
}

export const names = (entry: Entry) => [entry.name, ...(entry.aliases ?? [])];

export const GLOBAL_OPTIONS = {
  address: { type: "string", arg: "ADDR", help: `berthd's API: unix:///path or http(s)://host:port (default $BERTH_ADDRESS, else ${DEFAULT_ADDRESS})` },
  "token-file": { type: "string", arg: "PATH", help: `bearer token for http(s) when $BERTH_TOKEN is not set (default ${DEFAULT_TOKEN_FILE})` },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies OptionSpecs;

/** The synopsis of the many commands that take one container id. */
export const ONE_ID = { args: "ID", arity: [1, 1] as [number, number] };

export const JSON_OPTION = {
  json: { type: "boolean", help: "print the API's JSON instead of text" },
} as const satisfies OptionSpecs;

export const PID_OPTION = {
  pid: { type: "string", arg: "P", help: 'the process: "init" (default) or an exec id' },
} as const satisfies OptionSpecs;

export function commandHelp(path: string, cmd: Command): string {
  const usage = `Usage: berth ${path}${Object.keys(cmd.options).length ? " [options]" : ""}${cmd.args ? ` ${cmd.args}` : ""}`;
  const aliases = cmd.aliases?.length ? `\nAliases: ${cmd.aliases.join(", ")}` : "";
  return [
    usage + aliases,
    cmd.details ? `${cmd.summary}\n\n${cmd.details}` : cmd.summary,
    ...(Object.keys(cmd.options).length ? [`Options:\n${optionsHelp(cmd.options)}`] : []),
    `Global options:\n${optionsHelp(GLOBAL_OPTIONS)}`,
  ].join("\n\n");
}

export function groupHelp(prefix: string, title: string, entries: Entry[], more = ""): string {
  const rows = entries.map((e) => [names(e).join(", "), e.summary] as const);
  const width = Math.max(...rows.map(([n]) => n.length));
  const list = rows.map(([n, summary]) => `  ${n.padEnd(width)}   ${summary}`).join("\n");
  const command = `${prefix}${prefix ? " " : ""}COMMAND`;
  return `Usage: berth ${command} [options]\n\n${title}\n\nCommands:\n${list}\n${more && `\n${more}\n`}\n` +
    `Run 'berth ${command} --help' for a command's options.`;
}
