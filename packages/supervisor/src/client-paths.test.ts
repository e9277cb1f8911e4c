import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerthError } from "@berth/protocol";
import { makeFifo } from "@berth/sys";
import { checkCheckpointDir, checkStdioPaths, type StdioPaths } from "./client-paths.ts";

const root = mkdtempSync(join(tmpdir(), "berth-paths-"));
const state = join(root, "state");
const client = join(root, "client");
mkdirSync(state);
mkdirSync(client);
writeFileSync(join(state, "events.jsonl"), "");
writeFileSync(join(client, "out.txt"), "");
makeFifo(join(client, "fifo"));
symlinkSync(join(state, "events.jsonl"), join(client, "journal-link"));
symlinkSync(join(state, "new-file"), join(client, "dangling"));
symlinkSync(state, join(client, "state-link"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refused(paths: StdioPaths): Promise<string> {
  const err = await checkStdioPaths(paths, state).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BerthError);
  expect((err as BerthError).code).toBe("invalid_argument");
  return (err as BerthError).message;
}

test("FIFOs, regular files, /dev/null and a new file in an existing directory are accepted", async () => {
  await checkStdioPaths({ stdin: join(client, "fifo"), stdout: join(client, "out.txt"), stderr: "/dev/null" }, state);
  await checkStdioPaths({ stdin: "/dev/null", stdout: join(client, "new.log") }, state);
});

test("a path into the state dir is refused, also through a symlink or a symlinked directory", async () => {
  expect(await refused({ stdout: join(state, "events.jsonl") })).toContain("leads into berthd's own state dir");
  expect(await refused({ stdout: join(client, "journal-link") })).toContain("state dir");
  expect(await refused({ stdout: join(client, "state-link", "api-token") })).toContain("state dir");
  expect(await refused({ stdin: join(state, "events.jsonl") })).toContain("state dir");
});

test("devices other than /dev/null, directories, a dangling symlink and a missing stdin are refused", async () => {
  expect(await refused({ stdout: "/dev/zero" })).toContain("is a character device");
  expect(await refused({ stderr: client })).toContain("is a directory");
  expect(await refused({ stdout: join(client, "dangling") })).toContain("symlink to nothing");
  expect(await refused({ stdin: join(client, "missing") })).toContain("does not exist");
  expect(await refused({ stdout: join(client, "no-dir", "x.log") })).toContain("directory that does not exist");
});

test("a checkpoint dir: missing levels are fine, a file or the state dir is not", async () => {
  await checkCheckpointDir(join(client, "a", "b", "c"), state);
  for (const [dir, reason] of [
    ["/etc/passwd", "not a directory"], [join(client, "out.txt", "x"), "is under"], [join(state, "cps"), "state dir"],
    [join(client, "state-link", "x"), "state dir"],
  ]) {
    const err = await checkCheckpointDir(dir!, state).then(() => undefined, (e: BerthError) => e);
    expect(err?.code).toBe("invalid_argument");
    expect(err?.message).toContain(reason!);
  }
});
