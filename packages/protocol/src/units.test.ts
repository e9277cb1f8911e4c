import { expect, test } from "bun:test";
import { durationMs, sizeBytes } from "./units.ts";

test("sizes: bytes, k/m/g/t with or without i and b, powers of 1024; anything else is undefined", () => {
  expect(["1048576", "512k", "64m", "1g", "16MiB", "2GB", "1.5k", "7b"].map(sizeBytes)).toEqual([1 << 20, 512 << 10, 64 << 20, 1 << 30, 16 << 20, 2 * 1024 ** 3, 1536, 7]);
  expect(["", "lots", "-1", "16 bytes", "1x"].map(sizeBytes)).toEqual([undefined, undefined, undefined, undefined, undefined]);
});

test("durations need a unit: ms, s, m, h, d, fractions too", () => {
  expect(["500ms", "10s", "1.5m", "2h", "1d"].map(durationMs)).toEqual([500, 10_000, 90_000, 7_200_000, 86_400_000]);
  expect(["10", "soon", "5 s", ""].map(durationMs)).toEqual([undefined, undefined, undefined, undefined]);
});
