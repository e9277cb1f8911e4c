/**
 * `completion bash|zsh|fish`: a shell completion script. Each script is a thin adapter: on TAB it runs this same
 * CLI as `berth __complete WORD...` (complete.ts, one engine for every shell) and hands the shell what that
 * prints: candidates with their descriptions (zsh and fish show them), or "files" to complete file names.
 */
import { UsageError } from "../args.ts";
import { command } from "../command.ts";
import { line } from "../output.ts";

const SHELLS = ["bash", "zsh", "fish"];

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The scripts, given the command line that runs this CLI (bun and main.ts, quoted for the shell). */
const SCRIPTS: Record<string, (cli: string) => string> = {
  bash: (cli) => `# bash completion for berth. Load it with: source <(berth completion bash)
_berth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out kind
  out=$(${cli} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  kind=\${out%%$'\\n'*}
  if [[ $kind == files ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $out == *$'\\n'* ]]; then
    COMPREPLY=($(printf '%s\\n' "\${out#*$'\\n'}" | cut -f1))
  else
    COMPREPLY=()
  fi
}
complete -o filenames -F _berth berth`,

  zsh: (cli) => `#compdef berth
# zsh completion for berth. Load it with: source <(berth completion zsh)  (after compinit)
_berth() {
  local -a lines described
  local l
  lines=("\${(@f)$(${cli} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${lines[1]} == files ]]; then
    _files
    return
  fi
  for l in "\${(@)lines[2,-1]}"; do
    [[ -n $l ]] && described+=("\${\${l%%$'\\t'*}//:/\\\\:}:\${l#*$'\\t'}")
  done
  _describe -t berth berth described
}
compdef _berth berth`,

  fish: (cli) => `# fish completion for berth. Load it with: berth completion fish | source
function __berth_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -q cur[1]; or set cur ""
    set -l out (${cli} __complete $words[2..-1] "$cur" 2>/dev/null)
    if test "$out[1]" = files
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out[2..-1]
    end
end
complete -c berth -f -a '(__berth_complete)'`,
};

export const completion = command({
  name: "completion",
  summary: "Print a shell completion script: source <(berth completion bash), or zsh, or fish",
  details: [
    "bash: source <(berth completion bash)",
    "zsh:  source <(berth completion zsh)    (after compinit)",
    "fish: berth completion fish | source",
    "Commands, options (with their help in zsh and fish), container ids (asked of berthd at --address) and files.",
  ].join("\n"),
  args: "SHELL",
  arity: [1, 1],
  choices: SHELLS,
  options: {},
  async run(_ctx, _values, [shell]) {
    const script = SCRIPTS[shell!];
    if (!script) throw new UsageError(`no completion for ${JSON.stringify(shell)}: ${SHELLS.join(", ")}`);
    await line(script([process.execPath, Bun.main].map(quote).join(" ")));
  },
});
