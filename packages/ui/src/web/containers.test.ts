import { expect, test } from "bun:test";
import type { ContainerInfo } from "./api.ts";
import { lifeText } from "./containers.ts";

const container = (extra: Partial<ContainerInfo>) =>
  ({ id: "c1", status: "running", createdAt: "2026-11-29T20:00:01.000000001Z", ...extra }) as ContainerInfo;
const now = Date.parse("2026-11-29T20:03:12Z");

test("a live container shows its uptime; a stopped one its exit status and how long ago", () => {
  expect(lifeText(container({}), now)).toBe("up 3m 11s");
  expect(lifeText(container({ status: "paused" }), now)).toBe("up 3m 11s");
  expect(lifeText(container({ status: "stopped", exitStatus: 143, exitedAt: "2026-11-29T20:03:00Z" }), now)).toBe("exited 143 (SIGTERM), 12s ago");
  // An older berthd says neither: just "exited".
  expect(lifeText(container({ status: "stopped" }), now)).toBe("exited");
});
