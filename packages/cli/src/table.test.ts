import { expect, test } from "bun:test";
import { LiveTable, table } from "./table.ts";

test("columns are padded to their widest cell; the last one is ragged", () => {
  expect(table(["ID", "STATUS", "BUNDLE"], [["a", "running", "/b"], ["long-id", "paused", "/c"]])).toBe(
    ["ID        STATUS    BUNDLE", "a         running   /b", "long-id   paused    /c"].join("\n"),
  );
});

test("a live table starts from minimum widths and widens a column when a cell needs it", () => {
  const live = new LiveTable(["A", "B", "C"], [3, 3]);
  expect(live.headerLine).toBe("A     B     C");
  expect(live.row(["x", "wide-cell", "z"])).toBe("x     wide-cell   z");
  expect(live.row(["x", "y", "z"])).toBe("x     y           z");
});
