/** Client-side FIFOs, as a user of the API makes them: mkfifo, then read or write the other end. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFifo } from "@berth/sys";

/** Makes a FIFO in a fresh temp dir and starts reading it; `text` resolves at EOF (every writer closed). */
export function fifoReader(name = "out"): { path: string; text: Promise<string>; lines: AsyncGenerator<string> } {
  const path = join(mkdtempSync(join(tmpdir(), "bf-")), name);
  makeFifo(path);
  const chunks: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const text = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of Bun.file(path).stream()) {
      chunks.push(decoder.decode(chunk, { stream: true }));
      wake?.();
    }
    done = true;
    wake?.();
    return chunks.join("");
  })();
  async function* lines(): AsyncGenerator<string> {
    let emitted = 0;
    for (;;) {
      const all = chunks.join("").split("\n");
      const complete = all.slice(0, -1);
      while (emitted < complete.length) yield complete[emitted++]!;
      if (done) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  return { path, text, lines: lines() };
}

export function readFileOr(path: string, fallback = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}
