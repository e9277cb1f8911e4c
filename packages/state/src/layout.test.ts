import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InstallLayout } from "./layout.ts";

const tmp = mkdtempSync("/tmp/berth-install-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("an install is found from a module's dir in the source tree or in dist/, past packages of other names", () => {
  const root = join(tmp, "berth");
  mkdirSync(join(root, "packages", "berthd", "src"), { recursive: true });
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "berth" }));
  writeFileSync(join(root, "packages", "berthd", "package.json"), JSON.stringify({ name: "@berth/berthd" }));
  for (const from of [join(root, "packages", "berthd", "src"), join(root, "dist")]) {
    const install = InstallLayout.of(from);
    expect(install.root).toBe(root);
    expect(install.shimBinary).toBe(join(root, "dist", "berth-shim"));
    expect(install.berthdBundle).toBe(join(root, "dist", "berthd.js"));
    expect(install.uiDir).toBe(join(root, "dist", "ui"));
  }
});

test("a package.json that is not JSON is not Berth's; with none above, the error names where it looked", () => {
  const broken = join(tmp, "broken", "dist");
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(tmp, "broken", "package.json"), "{ not json");
  expect(() => InstallLayout.of(broken)).toThrow(`no Berth install (a package.json named "berth") above ${broken}`);
});

test("this checkout is an install", () => {
  expect(InstallLayout.of(import.meta.dir).root).toBe(join(import.meta.dir, "..", "..", ".."));
});
