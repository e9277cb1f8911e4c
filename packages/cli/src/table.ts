/**
 * Text tables: columns padded to their widest cell and three spaces apart, the last one left ragged. A live
 * table (for streams) cannot know later rows, so it starts from minimum widths and widens a column when a cell
 * needs it.
 */
const GAP = "   ";

function render(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(GAP).trimEnd();
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => render(r, widths)).join("\n");
}

export class LiveTable {
  private readonly widths: number[];

  constructor(readonly header: string[], minWidths: number[]) {
    this.widths = header.map((h, i) => Math.max(h.length, minWidths[i] ?? 0));
  }

  get headerLine(): string {
    return render(this.header, this.widths);
  }

  row(cells: string[]): string {
    cells.forEach((cell, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, cell.length)));
    return render(cells, this.widths);
  }
}
