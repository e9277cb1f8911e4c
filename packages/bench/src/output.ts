/** What the user sees: a live progress line on stderr, notes, and the result table (the CLI's text tables). */
import { table } from "@berth/cli";
import type { Metric, ScenarioResult, SystemName } from "./result.ts";
import { SYSTEMS } from "./result.ts";

/**
 * One status line, rewritten in place on a terminal. Elsewhere (a pipe, a test) it prints a line only when the
 * phase (the text before " | ") changes, and at most every 5 s otherwise, so logs stay short.
 */
export class Progress {
  private last = "";
  private lastPrinted = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly quiet: boolean) {}

  set(text: string): void {
    if (this.quiet) return;
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[K${text.slice(0, width - 1)}`);
      this.last = text;
      return;
    }
    const phase = text.split(" | ")[0];
    if (phase !== this.last.split(" | ")[0] || Date.now() - this.lastPrinted > 5000) {
      process.stderr.write(`${text}\n`);
      this.lastPrinted = Date.now();
    }
    this.last = text;
  }

  /** Prints a message on a line of its own, then puts the status line back. */
  note(message: string): void {
    if (this.tty && this.last && !this.quiet) process.stderr.write("\r\x1b[K");
    process.stderr.write(`${message}\n`);
    if (this.tty && this.last && !this.quiet) process.stderr.write(this.last);
  }

  clear(): void {
    if (this.tty && this.last && !this.quiet) process.stderr.write("\r\x1b[K");
    this.last = "";
  }
}

export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  if (unit === "bool") return value ? "yes" : "no";
  if (Number.isInteger(value) && unit !== "ms") return String(value);
  const abs = Math.abs(value);
  const digits = abs === 0 ? 0 : abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

export function formatRatio(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? "-" : `${ratio.toFixed(2)}×`;
}

const arrow = (m: Metric) => (m.better === "higher" ? " ↑" : m.better === "lower" ? " ↓" : "");

/** The table of one scenario: a row per metric, a column per system, then Berth ÷ each peer. */
export function renderTable(result: ScenarioResult): string {
  const systems = SYSTEMS.filter((s) => result.systems.includes(s));
  const peers = systems.filter((s) => s !== "berth");
  const header = ["metric", ...systems, ...peers.map((p) => `berth÷${p}`)];
  const rows: string[][] = [];
  for (const section of result.sections) {
    for (const m of section.metrics) {
      const label = `${section.title ? `${section.title} ` : ""}${m.label}${m.unit && m.unit !== "bool" ? ` (${m.unit})` : ""}${arrow(m)}`;
      rows.push([
        label,
        ...systems.map((s: SystemName) => (s in m.values ? formatValue(m.values[s], m.unit) : "")),
        ...peers.map((p) => formatRatio(m.ratios?.[p])),
      ]);
    }
  }
  const params = Object.entries(result.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`).join(" ");
  const out = [`== ${result.scenario} (${params}) ${result.status}${result.status === "ok" ? "" : `: ${result.reason ?? ""}`}`];
  if (rows.length > 0) out.push(table(header, rows));
  for (const n of result.notes) out.push(`  note: ${n}`);
  for (const e of result.errors) out.push(`  error: ${e}`);
  return out.join("\n");
}

/**
 * One markdown table per scenario from one or more result files of the same scenarios: each cell holds every
 * run's figure, "a / b", so runs can be compared at a glance (BENCHMARKS.md).
 */
export function renderMarkdown(runs: ScenarioResult[][]): string {
  const out: string[] = [];
  const names = [...new Set(runs.flat().map((r) => r.scenario))];
  for (const name of names) {
    const results = runs.map((run) => run.find((r) => r.scenario === name));
    const first = results.find((r) => r !== undefined)!;
    const systems = SYSTEMS.filter((s) => results.some((r) => r?.systems.includes(s)));
    const peers = systems.filter((s) => s !== "berth");
    const params = Object.entries(first.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`).join(" ");
    const statuses = results.map((r) => (r ? r.status + (r.reason ? ` (${r.reason})` : "") : "not run"));
    out.push(`### ${name} (${params})`, "");
    if (statuses.some((st) => st !== "ok")) out.push(`Status: ${statuses.join(" / ")}`, "");
    out.push(`| metric | ${[...systems, ...peers.map((p) => `berth÷${p}`)].join(" | ")} |`);
    out.push(`|---|${[...systems, ...peers].map(() => "---:").join("|")}|`);
    for (const section of first.sections) {
      for (const m of section.metrics) {
        const label = `${section.title ? `${section.title} ` : ""}${m.label}${m.unit && m.unit !== "bool" ? ` (${m.unit})` : ""}${arrow(m)}`;
        const find = (r: ScenarioResult | undefined) => r?.sections.find((x) => x.title === section.title)?.metrics.find((x) => x.key === m.key);
        const cells = [
          ...systems.map((sys) => results.map((r) => formatValue(find(r)?.values[sys], m.unit)).join(" / ")),
          ...peers.map((p) => results.map((r) => formatRatio(find(r)?.ratios?.[p])).join(" / ")),
        ];
        out.push(`| ${label} | ${cells.join(" | ")} |`);
      }
    }
    out.push("");
  }
  return out.join("\n");
}
