/**
 * A runtime that is runc except at one chosen subcommand, where it first records that it got there and then
 * waits for the test to let it go: for killing berthd (or a shim) at an exact step.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class StallingRuntime {
  readonly dir = mkdtempSync(join(tmpdir(), "bfr-"));
  readonly path = join(this.dir, "runtime");

  constructor(readonly stallOn: string) {
    writeFileSync(this.path, `#!/bin/sh
sub=""
skip=0
for a in "$@"; do
  if [ $skip = 1 ]; then skip=0; continue; fi
  case "$a" in --log|--log-format|--root) skip=1 ;; -*) ;; *) sub="$a"; break ;; esac
done
if [ "$sub" = "${stallOn}" ]; then
  touch "${this.dir}/reached"
  while [ ! -e "${this.dir}/go" ]; do sleep 0.01; done
fi
exec runc "$@"
`);
    chmodSync(this.path, 0o755);
  }

  /** Resolves once a call has reached the stalled subcommand. */
  async reached(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.dir, "reached"))) {
      if (Date.now() > deadline) throw new Error(`runtime never reached ${this.stallOn}`);
      await Bun.sleep(5); // a file the script touches: nothing to subscribe to
    }
  }

  release(): void {
    writeFileSync(join(this.dir, "go"), "");
  }

  remove(): void {
    this.release();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
