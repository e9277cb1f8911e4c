/**
 * A runtime that is runc except at one chosen subcommand, where it first records that it got there and then
 * waits for the test to let it go: for killing berthd (or a shim) at an exact step. Built on fakeRuntime.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeRuntime } from "./runtime.ts";

export class StallingRuntime {
  private readonly fake;

  constructor(readonly stallOn: string) {
    this.fake = fakeRuntime(`  ${stallOn})
    echo $$ > "$dir/reached"
    while [ ! -e "$dir/go" ] && [ -d "$dir" ]; do sleep 0.01; done
    exec runc "$@" ;;`);
  }

  get path(): string {
    return this.fake.path;
  }

  /** Resolves once a call has reached the stalled subcommand. */
  async reached(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.fake.dir, "reached"))) {
      if (Date.now() > deadline) throw new Error(`runtime never reached ${this.stallOn}`);
      await Bun.sleep(5); // a file the script touches: nothing to subscribe to
    }
  }

  release(): void {
    writeFileSync(join(this.fake.dir, "go"), "");
  }

  /** The pid of the call that reached the stalled subcommand (once reached() resolved). */
  get stalledPid(): number {
    return Number(readFileSync(join(this.fake.dir, "reached"), "utf8"));
  }

  /** Lets any waiting call go on, and removes the script (a call still polling sees its dir gone and goes on). */
  remove(): void {
    this.release();
    this.fake.remove();
  }
}
