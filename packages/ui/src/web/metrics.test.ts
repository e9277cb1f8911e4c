import { expect, test } from "bun:test";
import { metric, parseMetrics } from "./metrics.ts";

const TEXT = `# HELP berth_containers Containers by status
# TYPE berth_containers gauge
berth_containers{status="running"} 3
berth_containers{status="paused"} 1
berth_shims 4
berth_api_requests_total{method="GET",route="/v1/containers",status="200"} 10
berth_api_requests_total{method="POST",route="/v1/containers",status="201"} 2
berth_weird{path="a\\"b\\\\c"} 1.5e3
berth_restore_duration_seconds 0.0125
`;

test("samples with labels, escapes and exponents; comments skipped", () => {
  const samples = parseMetrics(TEXT);
  expect(samples).toHaveLength(7);
  expect(samples.find((s) => s.name === "berth_weird")).toEqual({ name: "berth_weird", labels: { path: 'a"b\\c' }, value: 1500 });
});

test("a metric is the sum of the samples whose labels match; undefined when absent", () => {
  const samples = parseMetrics(TEXT);
  expect(metric(samples, "berth_containers", { status: "running" })).toBe(3);
  expect(metric(samples, "berth_containers")).toBe(4);
  expect(metric(samples, "berth_api_requests_total")).toBe(12);
  expect(metric(samples, "berth_restore_duration_seconds")).toBe(0.0125);
  expect(metric(samples, "berth_containers", { status: "stopped" })).toBeUndefined();
  expect(metric(samples, "berth_nothing")).toBeUndefined();
});
