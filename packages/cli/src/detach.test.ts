import { expect, test } from "bun:test";
import { DetachKeys } from "./detach.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

test("ordinary input passes through unchanged", () => {
  expect(new DetachKeys().feed(bytes(0x61, 0x03, 0x0d))).toEqual({ forward: bytes(0x61, 0x03, 0x0d), detach: false });
});

test("Ctrl-P Ctrl-Q detaches and drops what follows, also across chunks", () => {
  expect(new DetachKeys().feed(bytes(0x61, 0x10, 0x11, 0x62))).toEqual({ forward: bytes(0x61), detach: true });
  const keys = new DetachKeys();
  expect(keys.feed(bytes(0x10))).toEqual({ forward: bytes(), detach: false });
  expect(keys.feed(bytes(0x11))).toEqual({ forward: bytes(), detach: true });
});

test("a Ctrl-P not followed by Ctrl-Q is forwarded with the next byte", () => {
  const keys = new DetachKeys();
  expect(keys.feed(bytes(0x10, 0x10))).toEqual({ forward: bytes(0x10), detach: false });
  expect(keys.feed(bytes(0x61))).toEqual({ forward: bytes(0x10, 0x61), detach: false });
});
