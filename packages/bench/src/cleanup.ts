/**
 * Undoing everything a run started. Each resource registers its own undo as it is made; they run in reverse order
 * at the end of a run, after an error, and on SIGINT/SIGTERM/SIGHUP (then the process exits 130/143). Once a stop
 * is asked for, `stopping()` is true so the load loops start no new work.
 */

type Task = { name: string; fn: () => Promise<void> | void };

const tasks: Task[] = [];
let current: Promise<void> | undefined;
let stopRequested = false;

export function onCleanup(name: string, fn: () => Promise<void> | void): () => void {
  const task = { name, fn };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

export function stopping(): boolean {
  return stopRequested;
}

/** Runs every registered task, newest first; a failing task is reported and the others still run. */
export function cleanup(): Promise<void> {
  current ??= (async () => {
    while (tasks.length > 0) {
      const task = tasks.pop()!;
      try {
        await Promise.race([
          Promise.resolve().then(task.fn),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 60 s")), 60_000).unref()),
        ]);
      } catch (err) {
        console.error(`bench: cleanup of ${task.name} failed: ${(err as Error).message}`);
      }
    }
  })().finally(() => (current = undefined));
  return current;
}

export function handleSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (stopRequested) return void console.error(`bench: ${signal} again; still cleaning up`);
      stopRequested = true;
      console.error(`\nbench: ${signal}: stopping and cleaning up`);
      cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}
