/**
 * `completion bash`: a bash completion script generated from the command tree. It completes commands,
 * subcommands and options; files after options that take a path and for BUNDLE/FILE arguments; and container ids,
 * which it asks berthd for by running this same CLI (`containers list -q`, with any --address given).
 */
import type { Tree } from "../cli.ts";
import { type OptionSpecs, UsageError } from "../args.ts";
import { type Command, command, type Entry, GLOBAL_OPTIONS, isGroup, names } from "../command.ts";
import { line } from "../output.ts";

const PATH_ARGS = new Set(["FILE", "DIR", "PATH", "BUNDLE"]);

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

interface Spec {
  path: string;
  subs: string[];
  options: OptionSpecs;
  args: string[];
  repeat: boolean;
}

function flags(options: OptionSpecs, which: (name: string) => boolean = () => true): string {
  return Object.entries(options).filter(([name]) => which(name))
    .flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]).join(" ");
}

function commandSpec(path: string, cmd: Command): Spec {
  const synopsis = (cmd.args ?? "").split("|")[0]!.split(/\s+/).filter((w) => w && !w.startsWith("-"));
  return {
    path,
    subs: [],
    options: { ...cmd.options, ...GLOBAL_OPTIONS },
    args: synopsis.map((w) => w.replace(/[[\].]/g, "")).map((w) => (w === "ID" ? "id" : PATH_ARGS.has(w) ? "path" : "-")),
    repeat: synopsis.at(-1)?.endsWith("...") ?? false,
  };
}

function groupSpec(path: string, entries: Entry[]): Spec {
  return { path, subs: entries.flatMap(names), options: GLOBAL_OPTIONS, args: [], repeat: false };
}

function bashScript(tree: Tree, cli: string[]): string {
  const top = groupSpec("", tree.entries);
  const specs: Spec[] = [top];
  const steps: string[] = [];
  const step = (from: string, entry: Entry, to: string) => steps.push(`      ${names(entry).map((n) => quote(`${from}:${n}`)).join("|")}) cmd=${quote(to)} ;;`);
  for (const entry of tree.entries) {
    step("", entry, entry.name);
    if (!isGroup(entry)) {
      specs.push(commandSpec(entry.name, entry));
      continue;
    }
    specs.push(groupSpec(entry.name, entry.commands));
    for (const cmd of entry.commands) {
      step(entry.name, cmd, `${entry.name} ${cmd.name}`);
      specs.push(commandSpec(`${entry.name} ${cmd.name}`, cmd));
      if (entry === tree.shortcuts && !tree.entries.some((e) => names(e).some((n) => names(cmd).includes(n)))) {
        step("", cmd, `${entry.name} ${cmd.name}`);
        top.subs.push(...names(cmd));
      }
    }
  }
  const cases = specs.map((s) => [
    `    ${quote(s.path)})`,
    `      subs=${quote(s.subs.join(" "))} opts=${quote(flags(s.options))}`,
    `      valued=${quote(flags(s.options, (n) => s.options[n]!.type === "string"))}`,
    `      files=${quote(flags(s.options, (n) => PATH_ARGS.has(s.options[n]!.arg ?? "")))}`,
    `      ids=${quote(flags(s.options, (n) => s.options[n]!.arg === "ID"))}`,
    `      args=(${s.args.join(" ")}) repeat=${s.repeat ? 1 : 0} ;;`,
  ].join("\n"));
  return `# bash completion for berth. Load it with: source <(berth completion bash)
_berth_spec() {
  case "$1" in
${cases.join("\n")}
  esac
}

_berth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" npos=0 i w subs opts valued files ids args repeat globals=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    _berth_spec "$cmd"
    if [[ "$w" == -* ]]; then
      [[ "$w" == --address || "$w" == --token-file ]] && globals+=("$w" "\${COMP_WORDS[i+1]}")
      [[ " $valued " == *" $w "* ]] && ((i++))
      continue
    fi
    case "$cmd:$w" in
${steps.join("\n")}
      *) ((npos++)) ;;
    esac
  done
  _berth_spec "$cmd"
  local kind
  if [[ " $valued " == *" $prev "* ]]; then
    [[ " $files " == *" $prev "* ]] && kind=path
    [[ " $ids " == *" $prev "* ]] && kind=id
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  else
    kind="\${args[npos]}"
    [[ -z "$kind" && $repeat == 1 ]] && kind="\${args[-1]}"
  fi
  case "$kind" in
    id) COMPREPLY=($(compgen -W "$(${cli.map(quote).join(" ")} "\${globals[@]}" containers list -q 2>/dev/null)" -- "$cur")) ;;
    path) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -o filenames -F _berth berth`;
}

/** The command, given the tree it describes (it is part of that tree). */
export function completion(tree: () => Tree) {
  return command({
    name: "completion",
    summary: "Print a shell completion script: source <(berth completion bash)",
    args: "SHELL",
    arity: [1, 1],
    options: {},
    async run(_ctx, _values, [shell]) {
      if (shell !== "bash") throw new UsageError(`no completion for ${JSON.stringify(shell)}: only bash`);
      await line(bashScript(tree(), [process.execPath, Bun.main]));
    },
  });
}
