import { expect, test } from "bun:test";
import { type OptionSpecs, optionsHelp, pairs, parse, UsageError } from "./args.ts";

const OPTIONS = {
  limit: { type: "string", arg: "N", help: "a limit" },
  label: { type: "string", multiple: true, help: "a label" },
  force: { type: "boolean", short: "f", help: "force" },
} as const;

test("parse gives typed values and positionals", () => {
  const { values, positionals } = parse(["--label", "a=1", "id", "-f", "--label=b=2"], OPTIONS);
  expect(values).toEqual({ label: ["a=1", "b=2"], force: true });
  expect(positionals).toEqual(["id"]);
});

test("a negative number after a string option is its value", () => {
  expect(parse(["--limit", "-1", "x"], OPTIONS).values.limit).toBe("-1");
});

test("unknown options and missing values are usage errors", () => {
  expect(() => parse(["--nope"], OPTIONS)).toThrow(UsageError);
  expect(() => parse(["--limit"], OPTIONS)).toThrow(UsageError);
  expect(() => pairs("label", ["novalue"])).toThrow("--label takes KEY=VALUE");
});

test("optionsHelp aligns the descriptions and marks repeatable options", () => {
  expect(optionsHelp(OPTIONS).split("\n")).toEqual([
    "      --limit N   a limit",
    "      --label     a label (repeatable)",
    "  -f, --force     force",
  ]);
});

test("an option whose values are flags takes the next word whatever it looks like", () => {
  const options = { "runtime-args": { type: "string", multiple: true, flagValues: true, help: "" } } satisfies OptionSpecs;
  expect(parse(["--runtime-args", "--root=/x", "--runtime-args", "--debug", "id"], options)).toEqual({
    values: { "runtime-args": ["--root=/x", "--debug"] },
    positionals: ["id"],
  });
});
