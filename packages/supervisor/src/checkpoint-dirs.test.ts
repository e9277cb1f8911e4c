import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isOwn, makeDirs, markOwn, removeDirs } from "./checkpoint-dirs.ts";

const root = mkdtempSync(join(tmpdir(), "berth-cpdirs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("makeDirs makes each missing level and removeDirs takes exactly those away again", () => {
  const made = makeDirs(join(root, "x", "a", "b", "c"));
  expect(made).toEqual(["x", "x/a", "x/a/b", "x/a/b/c"].map((p) => join(root, p)));
  removeDirs(made);
  expect(existsSync(join(root, "x"))).toBe(false);
  expect(existsSync(root)).toBe(true);
});

test("removeDirs leaves a dir that something else has appeared in", () => {
  const made = makeDirs(join(root, "y", "z"));
  writeFileSync(join(root, "y", "other"), "");
  removeDirs(made);
  expect(existsSync(join(root, "y", "z"))).toBe(false);
  expect(existsSync(join(root, "y", "other"))).toBe(true);
});

test("makeDirs fails with EEXIST on an existing dir and leaves nothing when a level cannot be made", () => {
  mkdirSync(join(root, "there"));
  expect(() => makeDirs(join(root, "there"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
  writeFileSync(join(root, "file"), "");
  expect(() => makeDirs(join(root, "file", "a", "b"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
});

test("only a real directory with Berth's marker for that name is Berth's", async () => {
  const dir = join(root, "cp");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ name: "cp", created: "2026-01-01T00:00:00Z" }));
  expect(await isOwn(dir, "cp")).toBe(false);
  markOwn(dir, "cp");
  expect(await isOwn(dir, "cp")).toBe(true);
  expect(await isOwn(dir, "other")).toBe(false);
  symlinkSync(dir, join(root, "link"));
  expect(await isOwn(join(root, "link"), "cp")).toBe(false);
});
