/**
 * A small live line chart on uPlot: a fixed window of the last WINDOW points, redrawn as points arrive and
 * resized with its box. Used for the CPU, memory and pids charts of a container's page.
 */
import uPlot from "uplot";
import { h } from "./dom.ts";

const WINDOW = 120;
const HEIGHT = 150;

/** A titled chart of one series; `format` writes its values (axis and legend); `whole` keeps axis ticks on integers. */
export class LiveChart {
  readonly el: HTMLElement;
  private readonly plot: uPlot;
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private readonly observer: ResizeObserver;

  constructor(title: string, color: string, format: (value: number) => string, whole = false) {
    const box = h("div", { class: "chart-plot" });
    this.el = h("div", { class: "chart", "data-chart": title.toLowerCase(), "data-samples": "0" }, h("h3", {}, title), box);
    this.plot = new uPlot({
      width: 400,
      height: HEIGHT,
      legend: { show: false },
      cursor: { y: false },
      scales: { y: { range: (_u, _lo, hi) => [0, whole ? Math.max(Math.ceil(hi * 1.1), 2) : Math.max(hi * 1.1, 1)] } },
      axes: [
        // Seconds since the epoch, as the local time of day.
        { stroke: "#8a94a6", grid: { stroke: "#eef0f4" }, space: 70, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString(undefined, { hour12: false })) },
        { stroke: "#8a94a6", grid: { stroke: "#eef0f4" }, size: 80, values: (_u, ticks) => ticks.map(format), ...(whole ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) },
      ],
      series: [{}, { stroke: color, fill: `${color}22`, width: 2, value: (_u, v) => (v === null ? "" : format(v)) }],
    }, [[], []], box);
    this.observer = new ResizeObserver(() => this.plot.setSize({ width: Math.max(box.clientWidth, 100), height: HEIGHT }));
    this.observer.observe(box);
  }

  /** Adds a point (time in seconds since the epoch) and drops the oldest past the window. */
  push(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
    if (this.times.length > WINDOW) this.times.shift(), this.values.shift();
    this.plot.setData([this.times, this.values]);
    this.el.dataset.samples = String(this.times.length);
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot.destroy();
  }
}
