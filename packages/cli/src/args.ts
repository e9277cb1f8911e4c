/**
 * Command-line parsing on node:util's parseArgs: typed option values from a spec, positional counts, the help
 * text of options, and UsageError (exit status 2) for everything the user typed wrong.
 */
import { parseArgs } from "node:util";

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help ("ID", "FILE"); files are completed for FILE, DIR and PATH. */
  arg?: string;
  /** Its values are themselves flags (`--runtime-args --root=/x`): the next word is always its value. */
  flagValues?: boolean;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : S["multiple"] extends true ? string[] : string;
export type Values<O extends OptionSpecs> = { [K in keyof O]?: ValueOf<O[K]> };

export class UsageError extends Error {}

export interface Parsed<O extends OptionSpecs> {
  values: Values<O>;
  positionals: string[];
}

export function parse<O extends OptionSpecs>(argv: string[], options: O): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
    return { values: values as Values<O>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

/** `--memory-limit -1` reads as the value -1, not as an unknown option `-1`; likewise any value of a `flagValues` option. */
function joinNegativeValues(argv: string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return out.concat(argv.slice(i));
    const next = argv[i + 1];
    const spec = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (spec?.type === "string" && next !== undefined && (/^-\d/.test(next) || spec.flagValues)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The options block of a help text, one aligned line per option. */
export function optionsHelp(options: OptionSpecs): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.arg ? ` ${o.arg}` : ""}`;
    return [flag, o.multiple ? `${o.help} (repeatable)` : o.help] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}   ${help}`).join("\n");
}

/** A non-negative integer from a flag, or a usage error naming it. */
export function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** "K=V" pairs from a repeatable flag, checked for their "=". */
export function pairs(name: string, values: string[] = []): string[] {
  for (const v of values) if (!/^[^=]+=/.test(v)) throw new UsageError(`--${name} takes KEY=VALUE, not ${JSON.stringify(v)}`);
  return values;
}
