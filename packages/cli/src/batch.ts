/**
 * One operation over many items (containers from a file, several ids): a few at a time, with "verb N/M" progress
 * on a terminal, each failure reported on stderr (naming its item); the results come back in the items' order.
 * For more than one item, a last line on stderr counts them: "12 started, 1 failed".
 */
import { warn } from "./output.ts";
import { Progress } from "./progress.ts";

const PARALLEL = 4;

export interface BatchResult<R> {
  /** Per item, in order; undefined where it failed. */
  results: (R | undefined)[];
  failed: number;
}

export interface BatchVerbs {
  /** For the progress line: "starting". */
  doing: string;
  /** For the count at the end: "started". */
  done: string;
}

export async function batch<T, R>(items: T[], verbs: BatchVerbs, label: (item: T) => string, work: (item: T) => Promise<R>): Promise<BatchResult<R>> {
  const verb = verbs.doing;
  const progress = new Progress();
  const results: (R | undefined)[] = new Array(items.length);
  let next = 0;
  let done = 0;
  let failed = 0;
  const show = () => progress.update(`${verb} ${done}/${items.length}${failed ? ` (${failed} failed)` : ""}`);
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (err) {
        failed++;
        progress.done();
        const message = (err as Error).message;
        warn(message.includes(label(items[i]!)) ? message : `${label(items[i]!)}: ${message}`);
      }
      done++;
      show();
    }
  };
  show();
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  progress.done();
  if (items.length > 1) process.stderr.write(`${done - failed} ${verbs.done}${failed ? `, ${failed} failed` : ""}\n`);
  return { results, failed };
}
