import { expect, test } from "bun:test";
import { callerDir } from "./paths.ts";

test("under `bun run berth` paths are relative to the caller's directory, else to the cwd", () => {
  expect(callerDir({ npm_lifecycle_event: "berth", npm_config_local_prefix: "/home/me/x" })).toBe("/home/me/x");
  expect(callerDir({ npm_lifecycle_event: "berth", INIT_CWD: "/from/npm", npm_config_local_prefix: "/repo" })).toBe("/from/npm");
  expect(callerDir({ npm_config_local_prefix: "/elsewhere" })).toBe(process.cwd());
});
