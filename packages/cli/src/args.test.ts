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

test("passThrough: options are read up to the first words, the rest is kept as written", () => {
  const options = { tty: { type: "boolean", short: "t", help: "" }, id: { type: "string", help: "" } } satisfies OptionSpecs;
  expect(parse(["-t", "c1", "sh", "-c", "echo -t"], options, { passThrough: 1 })).toEqual({ values: { tty: true }, positionals: ["c1", "sh", "-c", "echo -t"] });
  expect(parse(["--id", "c1", "ls", "-l"], options, { passThrough: 1, standsFor: "id" })).toEqual({ values: { id: "c1" }, positionals: ["ls", "-l"] });
  expect(parse(["c1", "--", "--tty"], options, { passThrough: 1 })).toEqual({ values: {}, positionals: ["c1", "--tty"] });
});

test("usage errors are berth's own sentences, with the nearest option when it looks like a typo", () => {
  expect(() => parse(["--lable", "x"], OPTIONS)).toThrow(new UsageError("unknown option --lable; did you mean --label?"));
  expect(() => parse(["--zzz"], OPTIONS)).toThrow(new UsageError("unknown option --zzz"));
  expect(() => parse(["-l"], OPTIONS)).toThrow(new UsageError("unknown option -l")); // --limit or --label: no guess
  expect(() => parse(["-i"], { id: { type: "string", help: "" } })).toThrow(new UsageError("unknown option -i; did you mean --id?"));
  expect(() => parse(["--force=1"], OPTIONS)).toThrow(new UsageError("option --force takes no value"));
  expect(() => parse(["--limit"], OPTIONS)).toThrow(new UsageError("option --limit needs a value (N)"));
});

test("passThrough 0: options end at the first positional (run IMAGE CMD...); a cluster of flags may end with a value", () => {
  const RUN = {
    env: { type: "string", short: "e", multiple: true, help: "env" },
    interactive: { type: "boolean", short: "i", help: "i" },
    tty: { type: "boolean", short: "t", help: "t" },
    name: { type: "string", help: "name" },
  } as const;
  const argv = ["-it", "-e", "A=1", "--name", "x", "-ie", "B=2", "--name=y", "img", "sh", "-c", "echo --name"];
  const { values, positionals } = parse(argv, RUN, { passThrough: 0 });
  expect(values).toEqual({ interactive: true, tty: true, env: ["A=1", "B=2"], name: "y" });
  expect(positionals).toEqual(["img", "sh", "-c", "echo --name"]);
  expect(parse(["-i", "--", "-x"], RUN, { passThrough: 0 }).positionals).toEqual(["-x"]);
  expect(() => parse(["-c", "img"], RUN, { passThrough: 0 })).toThrow(UsageError);
});
