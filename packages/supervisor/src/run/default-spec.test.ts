import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSpec } from "./default-spec.ts";

test("the base spec is what `runc spec` writes", () => {
  const dir = mkdtempSync(join(tmpdir(), "spec-"));
  try {
    const run = Bun.spawnSync(["runc", "spec"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(defaultSpec()).toEqual(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("each call gives a copy of its own", () => {
  const a = defaultSpec();
  a.process.capabilities!.bounding!.push("CAP_SYS_ADMIN");
  a.mounts.pop();
  expect(defaultSpec().process.capabilities!.bounding).toHaveLength(3);
  expect(defaultSpec().mounts).toHaveLength(7);
});
