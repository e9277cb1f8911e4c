import { expect, test } from "bun:test";
import { QUOTE_MAX, quote } from "./errors.ts";

test("quote: short plain values as they are, odd ones JSON-escaped, long ones cut to a prefix with their length", () => {
  expect(quote("/tmp/bundle")).toBe("/tmp/bundle");
  expect(quote("/x\u0000y")).toBe('"/x\\u0000y"');
  expect(quote("a b")).toBe('"a b"');
  const long = "/" + "x".repeat(100_000);
  const quoted = quote(long);
  expect(quoted.length).toBeLessThan(QUOTE_MAX + 30);
  expect(quoted).toStartWith(`"/xxx`);
  expect(quoted).toEndWith("… (100001 chars)");
});
