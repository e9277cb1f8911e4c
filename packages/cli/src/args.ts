/**
 * Command-line parsing on node:util's parseArgs: typed option values from a spec, positional counts, the help
 * text of options, and UsageError (exit status 2) for everything the user typed wrong, in berth's own words with
 * a "did you mean" hint (parseArgs's own messages name its API, not berth's).
 *
 * A command that runs a command line (`exec ID CMD...`, `run IMAGE CMD...`) stops reading options at its first
 * word: everything from there on is its positionals as written (`passThrough`).
 */
import { parseArgs } from "node:util";
import { distance } from "fastest-levenshtein";
import type { User } from "@berth/protocol";

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

export interface ParseOptions {
  /** After this many positionals, the rest of the line is positionals as written, options or not. */
  passThrough?: number;
  /** An option that gives the first of those positionals instead (exec's --id): with it, one positional fewer. */
  standsFor?: string;
}

export function parse<O extends OptionSpecs>(argv: string[], options: O, how: ParseOptions = {}): Parsed<O> {
  const [head, tail] = how.passThrough === undefined ? [argv, []] : splitAt(argv, options, how.passThrough, how.standsFor);
  const args = joinNegativeValues(head, options);
  check(args, options);
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values<O>, positionals: [...positionals, ...tail] };
  } catch (err) {
    // check() has said what is wrong in every case parseArgs knows of; this is a last resort.
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

/**
 * Options parseArgs would refuse, refused first in berth's words: unknown (with the closest known option), a
 * missing value, a value given to a flag.
 */
function check(args: string[], options: OptionSpecs): void {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const spec = options[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName}${hint(token.rawName, options)}`);
    if (spec.type === "string" && token.value === undefined) throw new UsageError(`option ${token.rawName} needs a value${spec.arg ? ` (${spec.arg})` : ""}`);
    if (spec.type === "boolean" && token.inlineValue) throw new UsageError(`option ${token.rawName} takes no value`);
  }
}

/**
 * "; did you mean --label?" for an unknown long option within a few typos of a known one; for an unknown short
 * option, the one long option starting with its letter (`-i` when only --id starts with i).
 */
function hint(raw: string, options: OptionSpecs): string {
  const names = Object.keys(options);
  if (!raw.startsWith("--")) {
    const longs = names.filter((n) => n.startsWith(raw.slice(1, 2)));
    return longs.length === 1 ? `; did you mean --${longs[0]}?` : "";
  }
  const best = closestWithin(raw, names.map((n) => `--${n}`), typoBound(raw.slice(2)));
  return best ? `; did you mean ${best}?` : "";
}

/** How many edits a typo of `word` may have: one in a short word, two from four letters on ("lsit" is "list"). */
export const typoBound = (word: string) => (word.length >= 4 ? 2 : 1);

/** The candidate nearest to `word` by edit distance, if within `max` edits (ties: one that `word` begins, else the first). */
export function closestWithin(word: string, candidates: string[], max: number): string | undefined {
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const c of [...candidates].sort((a, b) => Number(b.startsWith(word)) - Number(a.startsWith(word)))) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * Splits before the positional after the first `n` (`n - 1` once option `standsFor` is seen): options before it
 * are read, the rest is kept as written.
 */
function splitAt(argv: string[], options: OptionSpecs, n: number, standsFor?: string): [string[], string[]] {
  const short = new Map(Object.values(options).filter((o) => o.short).map((o) => [o.short!, o]));
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return [argv.slice(0, i), argv.slice(i + 1)];
    if (arg.startsWith("-") && arg !== "-") {
      if (standsFor && (arg === `--${standsFor}` || arg.startsWith(`--${standsFor}=`))) n--;
      if (takesNextWord(arg, options, short)) i++;
      continue;
    }
    if (seen++ === n) return [argv.slice(0, i), argv.slice(i)];
  }
  return [argv, []];
}

/** `--name VALUE`, or a cluster of short flags whose last one takes a value and no attached text (`-e K=V`, `-ie K=V`). */
function takesNextWord(arg: string, options: OptionSpecs, short: Map<string, OptionSpec>): boolean {
  if (arg.startsWith("--")) return !arg.includes("=") && options[arg.slice(2)]?.type === "string";
  const flags = [...arg.slice(1)];
  return short.get(flags.at(-1)!)?.type === "string" && flags.slice(0, -1).every((c) => short.get(c)?.type === "boolean");
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

/** A numeric user from `--user UID[:GID]` (the group defaults to 0). */
export function parseUser(value: string): User {
  const m = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--user takes a numeric UID[:GID], not ${JSON.stringify(value)}`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0) };
}

/** "K=V" pairs from a repeatable flag, checked for their "=". */
export function pairs(name: string, values: string[] = []): string[] {
  for (const v of values) if (!/^[^=]+=/.test(v)) throw new UsageError(`--${name} takes KEY=VALUE, not ${JSON.stringify(v)}`);
  return values;
}
