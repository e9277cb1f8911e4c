import { describe, expect, test } from "bun:test";
import { classify, lastLogError, RuntimeError } from "./errors.ts";

describe("classify", () => {
  const rows: [text: string, code: string][] = [
    ["container does not exist", "not_found"],
    ["container not found", "not_found"],
    ["container not running", "failed_precondition"],
    ["cannot kill container: container is not running", "failed_precondition"],
    ["container is not paused", "failed_precondition"],
    ["container already paused", "failed_precondition"],
    ["cannot allocate tty if runc will detach without setting console socket", "runtime_error"],
    ["runc create failed: chdir /nonexistent: no such file or directory", "runtime_error"],
    ["exit status 1", "runtime_error"],
  ];
  for (const [text, code] of rows) test(`"${text}" is ${code}`, () => expect(classify(text)).toBe(code as never));
});

describe("lastLogError", () => {
  test("takes the message of the last error-level line, ignoring later info lines", () => {
    const log = [
      '{"level":"info","msg":"starting","time":"2026-01-01T00:00:00Z"}',
      '{"level":"error","msg":"first problem","time":"2026-01-01T00:00:00Z"}',
      '{"level":"warning","msg":"just a warning","time":"2026-01-01T00:00:00Z"}',
      '{"level":"fatal","msg":"the real problem","time":"2026-01-01T00:00:00Z"}',
      '{"level":"info","msg":"exiting","time":"2026-01-01T00:00:00Z"}',
      "",
    ].join("\n");
    expect(lastLogError(log)).toBe("the real problem");
  });

  test("a line that is not JSON counts as an error text; a log without errors gives undefined", () => {
    expect(lastLogError('{"level":"error","msg":"a"}\nplain text from an old runtime\n')).toBe("plain text from an old runtime");
    expect(lastLogError('{"level":"info","msg":"fine"}\n')).toBeUndefined();
    expect(lastLogError("")).toBeUndefined();
  });
});

describe("RuntimeError", () => {
  test("carries the operation, status, argv and runc's words, and prefixes the operation once", () => {
    const argv = ["runc", "kill", "c1", "9"];
    const err = new RuntimeError("kill", 1, argv, "container does not exist");
    expect(err).toMatchObject({ op: "kill", exitStatus: 1, argv, runtimeMessage: "container does not exist", code: "not_found" });
    expect(err.message).toEndWith(": container does not exist");
    expect(err.message).toContain("kill");
    expect(err.status).toBe(404);
    // runc already says "runc create failed: ...": that text is the whole message, not prefixed again.
    const own = new RuntimeError("create", 1, argv, "runc create failed: chdir /b: no such file or directory");
    expect(own.message).toBe("runc create failed: chdir /b: no such file or directory");
    expect(own.code).toBe("runtime_error");
  });
});
