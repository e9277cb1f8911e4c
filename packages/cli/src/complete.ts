/**
 * The completion engine that the bash, zsh and fish scripts (commands/completion.ts) all call: `berth __complete
 * WORD... CUR` gets the words typed after `berth` up to the cursor, the last one being the word being completed
 * (empty for a new word), and prints what may come there. The first line says how the shell completes:
 *
 *   words              the lines after it are candidates, "VALUE<TAB>DESCRIPTION", already filtered by CUR
 *   files              the shell completes file names itself
 *
 * It knows the command tree (groups, aliases, the containers shortcuts), which options take a value, the
 * synopsis of each command (ID, BUNDLE, FILE, IMAGE, DIGEST...), that a command line after `exec ID` or `run IMAGE`
 * is the user's own, and asks berthd for container ids and image digests (with the --address and --token-file
 * typed so far); an unreachable berthd gives none.
 */
import type { OptionSpecs } from "./args.ts";
import { BerthClient } from "./client.ts";
import { type Command, type Entry, GLOBAL_OPTIONS, isGroup, names } from "./command.ts";
import type { Tree } from "./cli.ts";
import { toEndpoint } from "./cli.ts";
import { shortDigest } from "./commands/images.ts";

/** Words completed as file names; an IMAGE is most often a path here (an OCI layout dir, a docker-archive file). */
const PATH_ARGS = new Set(["FILE", "DIR", "PATH", "BUNDLE", "IMAGE"]);

export interface Candidate {
  value: string;
  description: string;
}

export type Completion = { kind: "files" } | { kind: "words"; candidates: Candidate[] };

type Want = "files" | "ids" | "digests" | "nothing" | { options: OptionSpecs } | { entries: Entry[] } | { choices: string[] };

/** What may come at the cursor, given the words before it and the word at it. */
export async function complete(tree: Tree, words: string[]): Promise<Completion> {
  const cur = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  const globals: Record<string, string> = {};
  let entries: Entry[] | undefined = tree.entries;
  let top = true;
  let cmd: Command | undefined;
  let positionals = 0;
  let rest = false; // past "--", or past the words a command reads options from
  let want: Want | undefined;
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    const options = { ...(cmd?.options ?? {}), ...GLOBAL_OPTIONS } as OptionSpecs;
    if (!rest && word === "--") {
      rest = true;
      continue;
    }
    if (!rest && word.startsWith("-") && word !== "-") {
      const spec = options[word.replace(/^--?/, "")] ?? Object.values(options).find((o) => `-${o.short}` === word);
      if (spec?.type === "string" && !word.includes("=")) {
        if (i + 1 === before.length) want = valueWant(spec.arg);
        else if (word === "--address" || word === "--token-file") globals[word.slice(2)] = before[i + 1]!;
        i++;
      }
      continue;
    }
    if (!cmd && entries) {
      const entry: Entry | undefined = entries.find((e) => names(e).includes(word)) ?? (top ? tree.shortcuts.commands.find((c) => names(c).includes(word)) : undefined);
      if (!entry) return { kind: "words", candidates: [] };
      top = false;
      if (isGroup(entry)) entries = entry.commands;
      else [cmd, entries] = [entry, undefined];
      continue;
    }
    positionals++;
    const through = cmd?.passThrough;
    if (through?.passThrough !== undefined && positionals > through.passThrough - (through.standsFor && before.includes(`--${through.standsFor}`) ? 1 : 0)) rest = true;
  }
  if (!want) {
    if (cur.startsWith("-") && !rest) want = { options: { ...(cmd?.options ?? {}), ...GLOBAL_OPTIONS } };
    else if (!cmd) want = { entries: [...(entries ?? []), ...(top ? shortcutsNotListed(tree) : [])] };
    else if (rest && cmd.passThrough !== undefined) want = "nothing";
    else want = argumentWant(cmd, positionals);
  }
  if (want === "files") return { kind: "files" };
  const candidates = want === "nothing" ? []
    : want === "ids" ? await fromBerthd(globals, containerIds)
    : want === "digests" ? await fromBerthd(globals, imageDigests)
    : "options" in want ? optionCandidates(want.options)
    : "choices" in want ? want.choices.map((value) => ({ value, description: "" }))
    : entryCandidates(want.entries);
  return { kind: "words", candidates: candidates.filter((c) => c.value.startsWith(cur)) };
}

/** The shell's lines for a completion (see the file's doc). */
export function render(completion: Completion): string {
  if (completion.kind === "files") return "files";
  return ["words", ...completion.candidates.map((c) => `${c.value}\t${c.description}`)].join("\n");
}

function valueWant(arg: string | undefined): Want {
  return arg === "ID" ? "ids" : PATH_ARGS.has(arg ?? "") ? "files" : "nothing";
}

/** The kind of the positional at index `n` from the command's synopsis ("ID [ID...]", "ID BUNDLE", "SHELL"). */
function argumentWant(cmd: Command, n: number): Want {
  const synopsis = (cmd.args ?? "").split("|")[0]!.split(/\s+/).filter((w) => w && !w.startsWith("-"));
  const word = synopsis[n] ?? (synopsis.at(-1)?.endsWith("...") ? synopsis.at(-1) : undefined);
  const name = word?.replace(/[[\].]/g, "");
  if (cmd.choices && n === 0) return { choices: cmd.choices };
  return name === "ID" ? "ids" : name === "DIGEST" ? "digests" : PATH_ARGS.has(name ?? "") ? "files" : "nothing";
}

function optionCandidates(options: OptionSpecs): Candidate[] {
  return Object.entries(options).flatMap(([name, o]) => [
    { value: `--${name}`, description: o.help },
    ...(o.short ? [{ value: `-${o.short}`, description: o.help }] : []),
  ]);
}

function entryCandidates(entries: Entry[]): Candidate[] {
  return entries.flatMap((e) => names(e).map((value) => ({ value, description: e.summary })));
}

/** The shortcut commands (`berth kill`), less those whose name a top-level entry already has. */
function shortcutsNotListed(tree: Tree): Entry[] {
  const taken = new Set(tree.entries.flatMap(names));
  return tree.shortcuts.commands.filter((c) => !names(c).some((n) => taken.has(n)));
}

const containerIds = async (client: BerthClient) => (await client.containers()).map((c) => ({ value: c.id, description: c.status }));

/** Stored images by their short digest (as `images` prints them), described by their references. */
const imageDigests = async (client: BerthClient) =>
  (await client.images()).map((i) => ({ value: shortDigest(i.digest), description: i.references.join(", ") }));

/** Candidates asked of berthd (container ids, image digests) at the --address typed so far; none when it cannot answer. */
async function fromBerthd(globals: Record<string, string>, ask: (client: BerthClient) => Promise<Candidate[]>): Promise<Candidate[]> {
  try {
    return await ask(new BerthClient(toEndpoint(globals.address, globals["token-file"])));
  } catch {
    return [];
  }
}
