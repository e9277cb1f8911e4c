/**
 * A seeded fuzz run against a real berthd, driven by its own OpenAPI document (/swagger/json): every route, every
 * field, bad types, missing and extra fields, huge, deep, NUL and odd unicode values, bad path and query values,
 * bad bodies (helpers/openapi-fuzz.ts), and raw requests with bad headers. It checks that each answer is either a
 * success of a read-only GET or the contract's JSON error with a 4xx status; that /healthz keeps answering within
 * 100 ms; that berthd's memory stays bounded; and that nothing new appears in the state dir.
 * The seed is printed; BERTH_FUZZ_SEED=<seed> replays a run, BERTH_FUZZ_CASES=<n> changes how many cases run.
 */
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { ERROR_STATUS, QUOTE_MAX } from "@berth/protocol";
import { type Daemon, useDaemon } from "./helpers/daemon.ts";
import { type FuzzCase, fuzzCases, type OpenApi } from "./helpers/openapi-fuzz.ts";
import { healthzMs, rawRequest, rssOf } from "./helpers/probe.ts";

const SEED = Number(process.env.BERTH_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.BERTH_FUZZ_CASES ?? 3000);
const CONCURRENCY = 4;
const MiB = 1 << 20;

let d: Daemon;
useDaemon((daemon) => (d = daemon));

function stateFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      out.push(relative(d.stateDir, join(dir, e.name)));
      if (e.isDirectory()) walk(join(dir, e.name));
    }
  };
  walk(d.stateDir);
  return out.sort();
}

/** What is wrong with the answer to `c`, or undefined when it is what the contract says. */
async function judge(c: FuzzCase): Promise<string | undefined> {
  const res = await d.fetch(c.path, { method: c.method, ...(c.body !== undefined ? { body: c.body } : {}), signal: AbortSignal.timeout(10_000) });
  const type = res.headers.get("content-type") ?? "";
  if (res.status < 300 && c.method === "GET") {
    await res.body?.cancel(); // an event stream or a log follow would go on
    return undefined;
  }
  const text = await res.text();
  if (res.status < 400 || res.status >= 500) return `status ${res.status}: ${text.slice(0, 200)}`;
  if (!type.includes("application/json")) return `status ${res.status} with ${type || "no content type"}: ${text.slice(0, 200)}`;
  let body: { error?: { code?: string; message?: string } };
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${res.status}, not JSON: ${text.slice(0, 200)}`;
  }
  const code = body.error?.code;
  if (!code || !(code in ERROR_STATUS) || typeof body.error?.message !== "string") return `not the error shape: ${text.slice(0, 200)}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== res.status) return `code ${code} with status ${res.status}`;
  if (body.error.message.length > 5000) return `a message of ${body.error.message.length} chars`;
  if (body.error.message.includes("x".repeat(QUOTE_MAX + 1))) return "the message echoes more than a short prefix of the input";
  return undefined;
}

/** Requests whose headers fetch would not send. Bun's own HTTP parser answers the malformed ones (an empty 4xx, or 505 for a request line that is not HTTP). */
const RAW_CASES: [string, string, string?][] = [
  ["a Host with a space", "GET /healthz HTTP/1.1\r\nHost: a b"],
  ["a Host with a NUL", "GET /v1/containers HTTP/1.1\r\nHost: a\u0000b"],
  ["a negative Content-Length", "POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Length: -1", "{}"],
  ["a Content-Length that is not a number", "POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Length: abc", "{}"],
  ["two Content-Lengths", "POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3", "{}"],
  ["a bad chunk size", "POST /v1/containers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n"],
  ["a 64 KiB header", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 << 10)}`],
  ["a header name with a space", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1"],
  ["an odd content type", "POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Type: text/\u00ff\r\nContent-Length: 2", "{}"],
  ["a request line that is not HTTP", "GARBAGE"],
  ["a target that is not a path", "GET healthz HTTP/1.1\r\nHost: x"],
  ["an unknown method", "BREW /healthz HTTP/1.1\r\nHost: x"],
];

test(`fuzzing every route from the OpenAPI document (seed ${SEED})`, async () => {
  console.log(`fuzz seed: ${SEED} (replay: BERTH_FUZZ_SEED=${SEED} bun test test/fuzz.test.ts)`);
  const doc = (await (await d.fetch("/swagger/json")).json()) as OpenApi;
  const cases = fuzzCases(doc, SEED, CASES);
  expect(cases.length).toBeGreaterThan(300);
  const before = stateFiles();
  const rssBefore = rssOf(d);
  let rssMax = rssBefore;

  // /healthz is probed all along: a probe is slow if each of its tries takes 100 ms or more (probe.ts); two slow
  // ones in a row (a stall, not a hiccup of a loaded machine) fail the run.
  let running = true;
  const probes: number[] = [];
  let slowInARow = 0;
  let stalls = 0;
  const prober = (async () => {
    while (running) {
      const ms = await healthzMs(d);
      probes.push(ms);
      slowInARow = ms >= 100 ? slowInARow + 1 : 0;
      if (slowInARow >= 2) stalls++;
      rssMax = Math.max(rssMax, rssOf(d));
      await Bun.sleep(50); // the probe's own pace: the scenario is about time
    }
  })();

  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const wrong = await judge(c).catch((err: Error) => `request failed: ${err.message}`);
      if (wrong) failures.push(`${c.name}: ${wrong}`);
    }
  }));
  for (const [name, head, body] of RAW_CASES) {
    for (const via of ["unix", "tcp"] as const) {
      const res = await rawRequest(d, via, head, body);
      // Bun's parser answers with an empty body, or (an unknown method) closes the connection without a word.
      const parserAnswer = res.body === "" && !res.headers["content-type"] && (Number.isNaN(res.status) || [400, 413, 431, 505].includes(res.status));
      const jsonAnswer = res.status >= 400 && res.status < 500 && (res.headers["content-type"] ?? "").includes("application/json");
      if (!parserAnswer && !jsonAnswer) failures.push(`raw ${name} on ${via}: ${res.status} ${res.headers["content-type"]}: ${res.body.slice(0, 200)}`);
    }
  }
  running = false;
  await prober;
  const seconds = (performance.now() - started) / 1000;
  const sorted = probes.toSorted((a, b) => a - b);
  console.log(`fuzz: ${cases.length} cases + ${RAW_CASES.length * 2} raw in ${seconds.toFixed(1)} s; /healthz ${probes.length} probes, ` +
    `median ${sorted[sorted.length >> 1]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms; RSS ${(rssBefore / MiB).toFixed(0)} → max ${(rssMax / MiB).toFixed(0)} MiB`);

  expect(failures.slice(0, 20)).toEqual([]);
  expect(stalls).toBe(0);
  expect(rssMax - rssBefore).toBeLessThan(200 * MiB);
  expect(stateFiles()).toEqual(before);
  expect(seconds).toBeLessThan(60);
}, 120_000);
