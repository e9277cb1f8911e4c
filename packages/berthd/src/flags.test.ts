import { expect, test } from "bun:test";
import { BerthError } from "@berth/protocol";
import { parseDuration, parseFlags, parseSize } from "./flags.ts";

test("defaults are docs/api.md's", () => {
  expect(parseFlags([])).toEqual({
    stateDir: "/run/berth",
    listen: ["unix:///run/berth/berth.sock", "tcp://127.0.0.1:7420"],
    runtime: "runc",
    runtimeArgs: [],
    startTimeoutMs: 30_000,
    retainCount: 10_000,
    retainStopped: 100,
    stopContainersOnExit: false,
    stopTimeoutMs: 10_000,
    logLevel: "info",
    tokenFile: "/run/berth/api-token",
    logMaxBytes: 16 << 20,
    metricsPerContainer: false,
    maxBodyBytes: 1 << 20,
  });
});

test("every flag of the table, repeatable ones repeated; the state dir moves the derived defaults", () => {
  const flags = parseFlags([
    "--state-dir", "/x", "--listen", "unix:///x/a.sock", "--listen", "tcp://127.0.0.1:1", "--runtime", "/bin/runc",
    "--runtime-args", "--root=/r", "--runtime-args", "--debug", "--start-timeout", "2s", "--retain-count", "5",
    "--log-level", "debug", "--tls-cert", "/c", "--tls-key", "/k", "--log-max-size", "1MiB",
    "--max-body-size", "64KiB",
  ]);
  expect(flags).toMatchObject({
    stateDir: "/x", listen: ["unix:///x/a.sock", "tcp://127.0.0.1:1"], runtime: "/bin/runc", runtimeArgs: ["--root=/r", "--debug"],
    startTimeoutMs: 2000, retainCount: 5, logLevel: "debug", tokenFile: "/x/api-token", tlsCert: "/c", tlsKey: "/k", logMaxBytes: 1 << 20, maxBodyBytes: 64 << 10,
  });
  expect(parseFlags(["--state-dir", "/y"]).listen[0]).toBe("unix:///y/berth.sock");
});

test("bad values are usage errors", () => {
  for (const argv of [["--retain-count", "0"], ["--log-level", "loud"], ["--tls-cert", "/c"], ["--start-timeout", "soon"], ["--nope"], ["--max-body-size", "0"], ["--max-body-size", "lots"]]) {
    expect(() => parseFlags(argv)).toThrow();
  }
  expect(() => parseFlags(["--retain-count=-1"])).toThrow(BerthError);
});

test("durations and sizes", () => {
  expect([parseDuration("30s"), parseDuration("500ms"), parseDuration("2m"), parseDuration("1h"), parseDuration("1.5s"), parseDuration("250")])
    .toEqual([30_000, 500, 120_000, 3_600_000, 1500, 250]);
  expect([parseSize("16MiB"), parseSize("512KiB"), parseSize("1GiB"), parseSize("100")]).toEqual([16 << 20, 512 << 10, 1 << 30, 100]);
  expect(parseSize("16MB")).toBe(16 << 20); // as docker reads it: powers of 1024
  expect(() => parseSize("16 bytes")).toThrow(BerthError);
});
