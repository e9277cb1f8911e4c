/** Access per docs/api.md: the unix socket needs no token, TCP needs the bearer token, non-loopback TCP needs TLS. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Daemon, REPO } from "./helpers/daemon.ts";

let d: Daemon;
let token: string;
beforeAll(async () => {
  d = await Daemon.start();
  token = readFileSync(join(d.stateDir, "api-token"), "utf8").trim();
});
afterAll(async () => {
  await d.cleanup();
});

test("the unix socket is mode 0660 and the token file 0600 with a random token", () => {
  expect(statSync(d.socket).mode & 0o777).toBe(0o660);
  expect(statSync(join(d.stateDir, "api-token")).mode & 0o777).toBe(0o600);
  expect(token).toMatch(/^[0-9a-f]{64}$/);
});

test("TCP: every API route needs the bearer token; 401 unauthenticated without or with a wrong one", async () => {
  for (const headers of [{}, { Authorization: "Bearer nope" }, { Authorization: `Basic ${token}` }] as Record<string, string>[]) {
    const res = await fetch(`${d.tcpUrl}/v1/containers`, { headers });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  }
  const ok = await fetch(`${d.tcpUrl}/v1/containers`, { headers: { Authorization: `Bearer ${token}` } });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual([]);
  // A POST without a token changes nothing.
  const post = await fetch(`${d.tcpUrl}/v1/containers`, { method: "POST", body: JSON.stringify({ id: "x", bundlePath: "/x" }) });
  expect(post.status).toBe(401);
});

test("TCP: liveness, the Swagger UI, its assets and the OpenAPI document are open", async () => {
  expect((await fetch(`${d.tcpUrl}/healthz`)).status).toBe(200);
  const page = await fetch(`${d.tcpUrl}/swagger`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("/swagger/assets/swagger-ui-bundle.js");
  expect(html).not.toContain("unpkg.com");
  expect((await fetch(`${d.tcpUrl}/swagger/assets/swagger-ui-bundle.js`)).status).toBe(200);
  const doc = (await (await fetch(`${d.tcpUrl}/swagger/json`)).json()) as { paths: Record<string, unknown>; components: { securitySchemes: object } };
  for (const path of ["/healthz", "/v1/version", "/v1/state", "/v1/containers", "/v1/containers/{id}", "/v1/containers/{id}/signal", "/v1/events"]) {
    expect(Object.keys(doc.paths)).toContain(path);
  }
  expect(doc.components.securitySchemes).toHaveProperty("bearer");
});

test("the unix socket needs no token", async () => {
  const res = await d.fetch("/v1/version");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ version: "0.1.0", major: 0, minor: 1, runtime: "runc" });
});

test("berthd refuses a non-loopback TCP address without TLS, and says why", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "bt-"));
  const proc = Bun.spawn([process.execPath, join(REPO, "packages/berthd/src/main.ts"), "--state-dir", stateDir,
    "--listen", `unix://${stateDir}/berth.sock`, "--listen", "tcp://0.0.0.0:7499"], { stderr: "pipe", stdout: "ignore" });
  expect(await proc.exited).not.toBe(0);
  expect(await new Response(proc.stderr).text()).toContain("needs --tls-cert and --tls-key");
  rmSync(stateDir, { recursive: true, force: true });
});
