/**
 * The dashboard's access rules over TCP (README, Access): the login trades the token for an HttpOnly,
 * SameSite=Strict session cookie; the cookie then works for the API, the event stream and the attach WebSocket,
 * but not for a cross-site request; without cookie or token every route but the public ones is 401; sessions end
 * at logout and at a berthd restart. Over the unix socket no login is needed, and cross-site browser requests
 * are refused there too.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { Attach, Daemon, isExit } from "./helpers/daemon.ts";

let d: Daemon;
let token: string;
let id: string;
beforeAll(async () => {
  d = await Daemon.start();
  token = readFileSync(join(d.stateDir, "api-token"), "utf8").trim();
  id = uid("session");
  await d.create(id, bundle(["sleep", "1000"]));
});
afterAll(async () => {
  await d.cleanup();
  removeBundles();
});

async function login(): Promise<{ setCookie: string; cookie: string }> {
  const res = await fetch(`${d.tcpUrl}/v1/session`, { method: "POST", body: JSON.stringify({ token }), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(204);
  const setCookie = res.headers.get("set-cookie")!;
  return { setCookie, cookie: setCookie.split(";")[0]! };
}

async function errorOf(res: Response): Promise<[number, string, string]> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return [res.status, body.error.code, body.error.message];
}

test("login: a wrong token is 401; the token gives an HttpOnly, SameSite=Strict cookie that opens the API", async () => {
  for (const body of [{ token: "nope" }, { token: `${token}x` }]) {
    const res = await fetch(`${d.tcpUrl}/v1/session`, { method: "POST", body: JSON.stringify(body) });
    expect((await errorOf(res)).slice(0, 2)).toEqual([401, "unauthenticated"]);
    expect(res.headers.get("set-cookie")).toBeNull();
  }
  expect((await fetch(`${d.tcpUrl}/v1/session`, { method: "POST", body: "{}" })).status).toBe(400);
  const { setCookie, cookie } = await login();
  expect(setCookie).toMatch(/^berth_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  expect(setCookie).not.toContain(token);
  for (const path of ["/v1/version", "/v1/state", `/v1/containers/${id}`, "/v1/containers?all=true", "/metrics"]) {
    expect([path, (await fetch(`${d.tcpUrl}${path}`, { headers: { cookie } })).status]).toEqual([path, 200]);
  }
  const patched = await fetch(`${d.tcpUrl}/v1/containers/${id}`, {
    method: "PATCH", body: JSON.stringify({ status: "running" }),
    headers: { cookie, origin: d.tcpUrl, "sec-fetch-site": "same-origin" },
  });
  expect(patched.status).toBe(200);
});

test("without cookie or token every route but the public ones is 401", async () => {
  const routes: [string, string][] = [
    ["GET", "/v1/version"], ["GET", "/v1/state"], ["GET", "/v1/containers"], ["GET", "/v1/containers?all=true"],
    ["POST", "/v1/containers"], ["GET", `/v1/containers/${id}`], ["PATCH", `/v1/containers/${id}`],
    ["DELETE", `/v1/containers/${id}?force=true`], ["POST", `/v1/containers/${id}/signal`], ["GET", `/v1/containers/${id}/stats`],
    ["POST", `/v1/containers/${id}/processes`], ["GET", `/v1/containers/${id}/processes/init/logs`],
    ["GET", `/v1/containers/${id}/processes/init/attach`], ["GET", "/v1/events?after=0"], ["GET", "/metrics"],
    ["DELETE", "/v1/session"], ["GET", "/nowhere"],
  ];
  for (const [method, path] of routes) {
    for (const cookie of [undefined, "berth_session=forged"]) {
      const res = await fetch(`${d.tcpUrl}${path}`, { method, headers: cookie ? { cookie } : {} });
      expect([method, path, ...(await errorOf(res)).slice(0, 2)]).toEqual([method, path, 401, "unauthenticated"]);
    }
  }
  const ws = new Attach(new WebSocket(`${d.tcpUrl.replace("http", "ws")}/v1/containers/${id}/processes/init/attach`));
  await expect(ws.opened).rejects.toThrow("attach failed");
  // The container was not touched.
  expect((await d.json<{ status: string }>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
});

test("the cookie is refused on a cross-site request; the token is not subject to that rule", async () => {
  const { cookie } = await login();
  for (const headers of [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "http://127.0.0.1:1" },
    { origin: "https://evil.example" }] as Record<string, string>[]) {
    const res = await fetch(`${d.tcpUrl}/v1/containers/${id}/signal`, { method: "POST", body: JSON.stringify({ signal: "SIGKILL" }), headers: { cookie, ...headers } });
    const [status, code, message] = await errorOf(res);
    expect([status, code]).toEqual([401, "unauthenticated"]);
    expect(message).toContain("cross-site");
  }
  const withToken = await fetch(`${d.tcpUrl}/v1/containers`, { headers: { authorization: `Bearer ${token}`, origin: "https://evil.example" } });
  expect(withToken.status).toBe(200);
  const crossLogin = await fetch(`${d.tcpUrl}/v1/session`, { method: "POST", body: JSON.stringify({ token }), headers: { "sec-fetch-site": "cross-site" } });
  expect((await errorOf(crossLogin)).slice(0, 2)).toEqual([401, "unauthenticated"]);
  expect((await d.json<{ status: string }>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
});

test("the event stream and the attach WebSocket accept the cookie, and refuse it from another origin", async () => {
  const { cookie } = await login();
  const stream = await fetch(`${d.tcpUrl}/v1/events?after=0&storedOnly=true&id=${id}`, { headers: { cookie } });
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toBe("text/event-stream");
  expect(await stream.text()).toContain(`"type":"start-container","id":"${id}"`);

  expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "sh", args: ["sh"], terminal: true })).status).toBe(201);
  const url = `${d.tcpUrl.replace("http", "ws")}/v1/containers/${id}/processes/sh/attach`;
  const foreign = new Attach(new WebSocket(url, { headers: { cookie, origin: "http://evil.example" } } as unknown as string[]));
  await expect(foreign.opened).rejects.toThrow("attach failed");
  const a = new Attach(new WebSocket(url, { headers: { cookie, origin: d.tcpUrl } } as unknown as string[]));
  await a.opened;
  a.send("echo cookie-$((40+2))\n");
  await a.until("cookie-42");
  const events = d.events(`id=${id}`);
  await events.ready;
  a.send("exit\n");
  await events.until(isExit("sh", id));
  events.close();
});

test("logout ends the session; a berthd restart ends every session", async () => {
  const first = await login();
  const second = await login();
  const odd = await fetch(`${d.tcpUrl}/v1/session?all=true`, { method: "DELETE", headers: { cookie: first.cookie } });
  expect((await errorOf(odd)).slice(0, 2)).toEqual([400, "invalid_argument"]);
  const out = await fetch(`${d.tcpUrl}/v1/session`, { method: "DELETE", headers: { cookie: first.cookie } });
  expect(out.status).toBe(204);
  expect(out.headers.get("set-cookie")).toBe("berth_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  expect(await errorOf(await fetch(`${d.tcpUrl}/v1/state`, { headers: { cookie: first.cookie } }))).toEqual([401, "unauthenticated", "unknown or ended session: log in again"]);
  expect((await fetch(`${d.tcpUrl}/v1/state`, { headers: { cookie: second.cookie } })).status).toBe(200);
  await d.kill("SIGTERM");
  await d.launch();
  expect((await errorOf(await fetch(`${d.tcpUrl}/v1/state`, { headers: { cookie: second.cookie } }))).slice(0, 2)).toEqual([401, "unauthenticated"]);
});

test("the page and its assets are public, need no internet, hold no token, and nothing outside the build is served", async () => {
  const page = await fetch(`${d.tcpUrl}/ui`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toStartWith("text/html");
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  const html = await page.text();
  expect(html).not.toContain(token);
  expect(html).not.toMatch(/https?:\/\//);
  const assets = [...html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
  expect(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css"))).toBe(true);
  for (const asset of assets) {
    const res = await fetch(`${d.tcpUrl}${asset}`);
    expect([asset, res.status]).toEqual([asset, 200]);
    expect(await res.text()).not.toMatch(/(src|href)="https?:\/\//);
  }
  expect((await fetch(`${d.tcpUrl}/ui/`)).status).toBe(200);
  // The login and logout are in the OpenAPI document, open and needing a session respectively; the page is not.
  const doc = (await (await fetch(`${d.tcpUrl}/swagger/json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  expect(doc.paths["/v1/session"]?.post?.security).toEqual([]);
  expect(doc.paths["/v1/session"]?.delete).toBeDefined();
  expect(Object.keys(doc.paths).filter((path) => path.startsWith("/ui"))).toEqual([]);
  for (const path of ["/ui/nope.js", "/ui/..%2Fapi-token", "/ui/%2e%2e%2fapi-token", "/ui/.hidden", "/ui/index.html"]) {
    expect([path, ...(await errorOf(await fetch(`${d.tcpUrl}${path}`))).slice(0, 2)]).toEqual([path, 404, "not_found"]);
  }
});

test("over the unix socket no login is needed, and a cross-site browser request is refused", async () => {
  expect((await d.fetch("/v1/containers")).status).toBe(200);
  expect((await d.fetch("/v1/containers", { headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" } })).status).toBe(200);
  const cross = await d.fetch(`/v1/containers/${id}/signal`, { method: "POST", body: JSON.stringify({ signal: "SIGKILL" }), headers: { origin: "https://evil.example" } });
  expect((await errorOf(cross)).slice(0, 2)).toEqual([401, "unauthenticated"]);
  expect((await d.fetch("/ui", { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(200);
  expect((await d.json<{ status: string }>("GET", `/v1/containers/${id}`)).body.status).toBe("running");
});
