import { expect, test } from "bun:test";
import { matchLines } from "./logs.ts";

test("search keeps the lines that contain the text, in any case, split around each match", () => {
  const lines = ["GET /a 200", "get /b 404", "POST /c 500"];
  expect(matchLines(lines, "").map((l) => l.line)).toEqual(lines);
  expect(matchLines(lines, "get")).toEqual([
    { line: "GET /a 200", parts: [{ text: "GET", match: true }, { text: " /a 200", match: false }] },
    { line: "get /b 404", parts: [{ text: "get", match: true }, { text: " /b 404", match: false }] },
  ]);
  expect(matchLines(["a0a0"], "0").map((l) => l.parts)).toEqual([[
    { text: "a", match: false }, { text: "0", match: true }, { text: "a", match: false }, { text: "0", match: true },
  ]]);
  expect(matchLines(lines, "nothing")).toEqual([]);
});
