import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endpoint } from "./endpoint.ts";

test("a unix address needs no token and gives a ws+unix URL", () => {
  const e = endpoint("unix:///run/b.sock", "/nonexistent", {});
  expect([e.base, e.unix, e.headers(), e.webSocketUrl("/v1/x")]).toEqual(["http://localhost", "/run/b.sock", {}, "ws+unix:///run/b.sock:/v1/x"]);
});

test("over http the token comes from BERTH_TOKEN first, then the token file; tcp:// reads as http://", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-cli-"));
  try {
    writeFileSync(join(dir, "token"), "from-file\n");
    const fromFile = endpoint("tcp://127.0.0.1:7420", join(dir, "token"), {});
    expect([fromFile.base, fromFile.headers(), fromFile.webSocketUrl("/v1/x")])
      .toEqual(["http://127.0.0.1:7420", { authorization: "Bearer from-file" }, "ws://127.0.0.1:7420/v1/x"]);
    expect(endpoint("https://h:1", join(dir, "token"), { BERTH_TOKEN: "env" }).headers()).toEqual({ authorization: "Bearer env" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without a token the error says where it looked and what to do", () => {
  expect(() => endpoint("http://127.0.0.1:7420", "/nonexistent/token", {}).headers())
    .toThrow("no API token for http://127.0.0.1:7420: BERTH_TOKEN is not set and the token file /nonexistent/token cannot be used (it does not exist)");
  expect(() => endpoint("ftp://x", "/t", {})).toThrow("expected unix:///path");
});
