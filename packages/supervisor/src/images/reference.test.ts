import { expect, test } from "bun:test";
import { checkReference } from "./reference.ts";
import { toolMessage } from "./tool.ts";

test("references skopeo can name pass as they are", () => {
  for (const ref of ["oci:/l:tag", "oci:/l", "docker-archive:/f.tar", "docker://busybox:1.36", "oci-archive:/a.tar", "dir:/d", "containers-storage:x"]) {
    expect(checkReference(ref)).toBe(ref);
  }
});

test("no transport, a relative path or a registry name without // are invalid_argument before any tool runs", () => {
  expect(() => checkReference("busybox")).toThrow("expected TRANSPORT:NAME");
  expect(() => checkReference("oci:layout:tag")).toThrow("must be absolute");
  expect(() => checkReference("docker-archive:x.tar")).toThrow("must be absolute");
  expect(() => checkReference("docker:busybox")).toThrow("docker://NAME");
});

test("a tool's error is the msg of its last logrus line, or the line itself", () => {
  expect(toolMessage('time="x" level=info msg="a"\ntime="y" level=fatal msg="Error: \\"oci:/x\\" not found"\n')).toBe('Error: "oci:/x" not found');
  expect(toolMessage("first\nplain failure\n")).toBe("plain failure");
});
