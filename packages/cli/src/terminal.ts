/** The CLI's own terminal: its size, raw mode (restored at exit whatever happens), and size changes (SIGWINCH). */
import type { AttachControl } from "@berth/protocol";

export type Size = Extract<AttachControl, { resize: unknown }>["resize"];

export function terminalSize(): Size | undefined {
  const tty = [process.stdout, process.stderr].find((s) => s.isTTY);
  return tty && tty.columns > 0 && tty.rows > 0 ? { width: tty.columns, height: tty.rows } : undefined;
}

/** Runs stty on stdin's terminal; undefined when it fails (no stty). */
function stty(...args: string[]): string | undefined {
  const run = Bun.spawnSync(["stty", ...args], { stdin: "inherit", stdout: "pipe", stderr: "ignore" });
  return run.exitCode === 0 ? run.stdout.toString().trim() : undefined;
}

/**
 * Puts stdin's terminal in raw mode when it is one; returns the function that restores it. setRawMode keeps
 * output processing on (libuv's raw mode adds CR before LF), which garbles full-screen programs, so `stty -opost`
 * turns it off too, as `docker attach` does; the settings saved by `stty -g` are put back.
 */
export function enterRawMode(): () => void {
  if (!process.stdin.isTTY) return () => {};
  const saved = stty("-g");
  process.stdin.setRawMode(true);
  stty("-opost");
  const restore = () => {
    process.stdin.setRawMode(false);
    if (saved) stty(saved);
  };
  process.once("exit", restore);
  return () => {
    process.off("exit", restore);
    restore();
  };
}

/** Calls `listener` with the new size on every SIGWINCH; returns the function that stops it. */
export function onResize(listener: (size: Size) => void): () => void {
  const handler = () => {
    const size = terminalSize();
    if (size) listener(size);
  };
  process.on("SIGWINCH", handler);
  return () => process.off("SIGWINCH", handler);
}
