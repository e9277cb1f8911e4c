import { expect, test } from "bun:test";
import { BerthError } from "@berth/protocol";
import { handleError, MESSAGE_MAX } from "./errors.ts";

const answer = async (code: unknown, error: unknown) => {
  const res = handleError({ code, error });
  return { status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error };
};

test("a validation error names the field and the rule, never the value; an odd field name is quoted short", async () => {
  const value = "x".repeat(100_000);
  expect(await answer("VALIDATION", { type: "body", value, valueError: { path: "/id", message: "Expected string to match '^a$'", value } }))
    .toEqual({ status: 400, code: "invalid_argument", message: "invalid body /id: Expected string to match '^a$'" });
  const odd = await answer("VALIDATION", { type: "body", valueError: { path: `/${"k".repeat(100_000)}`, message: "Unexpected property" } });
  expect(odd.message.length).toBeLessThan(200);
  expect(odd.message).toEndWith("(100001 chars): Unexpected property");
});

test("a parse hook's BerthError keeps its code through Elysia's ParseError", async () => {
  const tooLarge = new BerthError("payload_too_large", "request body is larger than 1 bytes");
  expect(await answer("PARSE", Object.assign(new Error("Bad Request", { cause: tooLarge }), { code: "PARSE" })))
    .toMatchObject({ status: 413, code: "payload_too_large" });
  expect(await answer("PARSE", new Error("Bad Request"))).toMatchObject({ status: 400, code: "invalid_argument" });
});

test("any other error is internal, and no message is longer than MESSAGE_MAX", async () => {
  const res = await answer("UNKNOWN", new Error("y".repeat(100_000)));
  expect(res).toMatchObject({ status: 500, code: "internal" });
  expect(res.message.length).toBeLessThanOrEqual(MESSAGE_MAX + 10);
});
