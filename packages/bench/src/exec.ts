/** Running helper commands (runc, ctr, wrk): output captured, a time bound, and errors that carry stderr. */
import { spawn } from "./procs.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** SIGKILL the command after this long; its result then has code 137. */
  timeoutMs?: number;
}

export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const start = performance.now();
  const proc = spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = options.timeoutMs ? setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs) : undefined;
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, ms: performance.now() - start };
}

/** Like run, but a non-zero exit is an error naming the command and its last stderr lines. */
export async function must(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.code !== 0) throw new Error(`${commandLine(argv)}: exit ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  return result;
}

export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

export function lastLines(text: string, count = 3): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}

/** The first line of `binary --version`-style output, or undefined when the binary is missing or fails. */
export async function versionOf(argv: string[]): Promise<string | undefined> {
  if (!Bun.which(argv[0]!)) return undefined;
  const r = await run(argv, { timeoutMs: 5000 }).catch(() => undefined);
  const text = `${r?.stdout ?? ""}${r?.stderr ?? ""}`.trim();
  return text ? text.split("\n")[0] : undefined;
}

export const sleep = (ms: number): Promise<void> => Bun.sleep(ms);
