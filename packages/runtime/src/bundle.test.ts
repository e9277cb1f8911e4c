import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerthError } from "@berth/protocol";
import { makeFifo } from "@berth/sys";
import { BUNDLE_CONFIG_MAX_BYTES, readBundleConfig, readBundleConfigSync } from "./bundle.ts";

const root = mkdtempSync(join(tmpdir(), "berth-bundle-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A bundle dir whose config.json is made by `make`. */
function bundleWith(make: (config: string) => void): string {
  const dir = join(root, `b${++n}`);
  mkdirSync(dir);
  make(join(dir, "config.json"));
  return dir;
}

async function refusal(bundle: string): Promise<string> {
  const err = await readBundleConfig(bundle).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BerthError);
  expect((err as BerthError).code).toBe("invalid_argument");
  return (err as BerthError).message;
}

test("a regular config.json is read and parsed, by both readers", async () => {
  const bundle = bundleWith((c) => writeFileSync(c, JSON.stringify({ process: { args: ["sh"] } })));
  expect(await readBundleConfig(bundle)).toEqual({ process: { args: ["sh"] } });
  expect(readBundleConfigSync(bundle)).toEqual({ process: { args: ["sh"] } });
});

test("a FIFO config.json is refused at once, without waiting for a writer", async () => {
  const bundle = bundleWith((c) => makeFifo(c));
  const started = performance.now();
  expect(await refusal(bundle)).toContain("config.json is a fifo, not a regular file");
  expect(readBundleConfigSync(bundle)).toBeUndefined();
  expect(performance.now() - started).toBeLessThan(1000);
});

test("a config.json that is /dev/zero (through a symlink) is refused before a byte is read", async () => {
  const bundle = bundleWith((c) => symlinkSync("/dev/zero", c));
  expect(await refusal(bundle)).toContain("is a character device");
  expect(readBundleConfigSync(bundle)).toBeUndefined();
});

test("a config.json over the size bound, a directory, or not JSON is refused", async () => {
  expect(await refusal(bundleWith((c) => writeFileSync(c, " ".repeat(BUNDLE_CONFIG_MAX_BYTES + 1))))).toContain("larger than");
  expect(await refusal(bundleWith((c) => mkdirSync(c)))).toContain("is a directory");
  expect(await refusal(bundleWith((c) => writeFileSync(c, "{")))).toContain("not valid JSON");
  expect(await refusal(join(root, "nope"))).toContain("does not exist");
  expect(await refusal(bundleWith(() => {}))).toContain("has no config.json");
});
