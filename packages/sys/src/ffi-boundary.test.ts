import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const PACKAGES = resolve(import.meta.dir, "../..");
const SYS = join(PACKAGES, "sys");
const IMPORTS_FFI = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)["']bun:ffi["']/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

test("no package but packages/sys imports bun:ffi", () => {
  const all = tsFiles(PACKAGES);
  const outside = all.filter((f) => !f.startsWith(SYS + "/"));
  const offenders = outside.filter((f) => IMPORTS_FFI.test(readFileSync(f, "utf8"))).map((f) => relative(PACKAGES, f));
  expect(offenders).toEqual([]);
  // The scan sees real code, and the pattern does match the one package allowed to use ffi.
  expect(outside.length).toBeGreaterThan(20);
  expect(all.filter((f) => f.startsWith(SYS + "/") && IMPORTS_FFI.test(readFileSync(f, "utf8"))).length).toBeGreaterThan(0);
});
