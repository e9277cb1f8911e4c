/**
 * A fake OCI runtime for tests that need runc to do something it cannot here (CRIU) or to stop at a chosen
 * point: a shell script that records each call's argv, runs the test's own `case` arms for some subcommands and
 * hands every other call to the real runc. berthd calls it as `<script> --log FILE --log-format json SUB ...`
 * (no global runtime args), so in the arms $log is runc's JSON log, $sub the subcommand, $last its last argument
 * (the container id), and `flag NAME` prints the value given to --NAME.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeRuntime {
  /** The script: pass it as `runtime` in a create request. */
  path: string;
  /** Its dir, for files the arms read or write. */
  dir: string;
  /** The argv of every call so far, from the subcommand on. */
  calls(): string[][];
  remove(): void;
}

export function fakeRuntime(arms: string): FakeRuntime {
  const dir = mkdtempSync(join(tmpdir(), "berth-fake-runtime-"));
  const path = join(dir, "runtime");
  writeFileSync(path, `#!/bin/sh
dir=${dir}
line=$(printf '%s\\t' "$@")
echo "$line" >> "$dir/calls"
log=$2
sub=$5
for a in "$@"; do last=$a; done
flag() {
  prev=
  for a in $args; do [ "$prev" = "--$1" ] && echo "$a"; prev=$a; done
}
args="$*"
case "$sub" in
${arms}
  *) exec runc "$@" ;;
esac
`, { mode: 0o755 });
  return {
    path,
    dir,
    calls: () => {
      let text = "";
      try {
        text = readFileSync(join(dir, "calls"), "utf8");
      } catch {}
      return text.split("\n").filter(Boolean).map((l) => l.split("\t").slice(4, -1));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
