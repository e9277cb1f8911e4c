import { expect, test } from "bun:test";
import { BerthError, quote } from "./errors.ts";
import { parseSignal } from "./signals.ts";

test("a signal given by full name, short name, lowercase, digits or number parses to its number", () => {
  for (const input of ["SIGTERM", "TERM", "sigterm", "term", "15", 15]) expect(parseSignal(input)).toBe(15);
  expect(parseSignal("SIGKILL")).toBe(9);
  expect(parseSignal("HUP")).toBe(1);
  expect(parseSignal(64)).toBe(64);
  expect(parseSignal("1")).toBe(1);
});

test("an unknown name or a number out of 1..64 is invalid_argument", () => {
  for (const input of ["SIGNOPE", "NOPE", "", "SIG", "15x", "-1", "1.5", 0, 99, 65, -9, 1.5, "constructor"]) {
    let err: unknown;
    try {
      parseSignal(input);
    } catch (e) {
      err = e;
    }
    expect(err, `input ${JSON.stringify(input)}`).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe("invalid_argument");
    expect((err as BerthError).message).toBe(`unknown signal ${quote(String(input))}`);
  }
});

test("an unknown signal's message quotes only a short prefix of a long name", () => {
  expect(() => parseSignal("SIG".repeat(100_000))).toThrow(/^unknown signal "SIGSIG.*… \(300000 chars\)$/);
});
