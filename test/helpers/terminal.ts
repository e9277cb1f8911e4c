/** A real terminal for CLI tests: the command runs on a pty that the test types into and reads from. */

/**
 * A terminal for the CLI: python's pty module runs the command on a pty of 30x100, relays our writes to it and
 * its output back, sets 50x120 on SIGUSR1, and exits with the command's exit status.
 */
const RELAY = `
import fcntl, os, pty, select, signal, struct, sys, termios
def size(fd, rows, cols): fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid, master = pty.fork()
if pid == 0:
    size(0, 30, 100)
    os.execvp(sys.argv[1], sys.argv[1:])
signal.signal(signal.SIGUSR1, lambda *_: size(master, 50, 120))
inputs = [0, master]
while True:
    ready = select.select(inputs, [], [])[0]
    if 0 in ready:
        data = os.read(0, 1024)
        if data: os.write(master, data)
        else: inputs.remove(0)
    if master in ready:
        try: data = os.read(master, 4096)
        except OSError: break
        if not data: break
        os.write(1, data)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;

export class Terminal {
  output = "";
  readonly proc;
  readonly exited: Promise<number>;

  /** Runs `argv` on a new pty. */
  constructor(argv: string[]) {
    const proc = Bun.spawn(["python3", "-c", RELAY, ...argv], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    this.proc = proc;
    const decoder = new TextDecoder();
    const pumped = (async () => {
      for await (const chunk of proc.stdout) this.output += decoder.decode(chunk, { stream: true });
    })();
    this.exited = pumped.then(() => proc.exited);
  }

  type(keys: string): void {
    this.proc.stdin.write(keys);
    this.proc.stdin.flush();
  }

  async until(needle: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(needle)) {
      if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(needle)} in ${JSON.stringify(this.output)}`);
      await Bun.sleep(20);
    }
  }
}
