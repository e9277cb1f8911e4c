import { expect, test } from "bun:test";
import { MAX_SESSIONS, SESSION_COOKIE, Sessions } from "./session.ts";

const TOKEN = "s3cret";
const URL_BASE = "http://127.0.0.1:7420";

function request(headers: Record<string, string> = {}, url = `${URL_BASE}/v1/containers`): Request {
  return new Request(url, { headers });
}

/** The cookie header a browser would send back for a Set-Cookie value. */
const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

test("login: the token, and only the token, gives an HttpOnly, SameSite=Strict cookie with a bounded lifetime", () => {
  const sessions = new Sessions(TOKEN);
  for (const wrong of ["", "s3cre", "s3cret2", "S3CRET"]) expect(sessions.login(wrong, request())).toBeUndefined();
  const set = sessions.login(TOKEN, request())!;
  expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));
  expect(set).not.toContain(TOKEN);
  expect(sessions.refusal(request({ cookie: `other=1; ${cookieOf(set)}` }))).toBeUndefined();
  // Each login is a session of its own.
  expect(cookieOf(sessions.login(TOKEN, request())!)).not.toBe(cookieOf(set));
  expect(sessions.size).toBe(2);
});

test("over TLS the cookie is also Secure", () => {
  expect(new Sessions(TOKEN).login(TOKEN, request({}, "https://berth.example:7420/v1/session"))).toEndWith("; Secure");
});

test("refusals: no cookie, an unknown one, an expired one, and one sent cross-site", () => {
  let now = 1_000_000;
  const sessions = new Sessions(TOKEN, { lifetimeMs: 60_000, now: () => now });
  const cookie = cookieOf(sessions.login(TOKEN, request())!);
  expect(sessions.refusal(request())).toContain("missing or invalid bearer token or session cookie");
  expect(sessions.refusal(request({ cookie: `${SESSION_COOKIE}=forged` }))).toContain("unknown or ended session");
  expect(sessions.refusal(request({ cookie, "sec-fetch-site": "same-origin", origin: URL_BASE }))).toBeUndefined();
  expect(sessions.refusal(request({ cookie, "sec-fetch-site": "none" }))).toBeUndefined();
  for (const headers of [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "http://127.0.0.1:8080" },
    { origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "same-origin", origin: "http://localhost:7420" }] as Record<string, string>[]) {
    expect(sessions.refusal(request({ cookie, ...headers }))).toContain("cross-site");
  }
  now += 59_999;
  expect(sessions.refusal(request({ cookie }))).toBeUndefined();
  now += 1;
  expect(sessions.refusal(request({ cookie }))).toContain("expired");
  expect(sessions.size).toBe(0);
});

test("logout ends the session and clears the cookie", () => {
  const sessions = new Sessions(TOKEN);
  const cookie = cookieOf(sessions.login(TOKEN, request())!);
  expect(sessions.logout(request({ cookie }))).toBe(`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  expect(sessions.refusal(request({ cookie }))).toContain("unknown or ended session");
});

test(`at most ${MAX_SESSIONS} sessions: a login past it ends the oldest`, () => {
  const sessions = new Sessions(TOKEN);
  const first = cookieOf(sessions.login(TOKEN, request())!);
  for (let i = 1; i < MAX_SESSIONS; i++) sessions.login(TOKEN, request());
  expect(sessions.refusal(request({ cookie: first }))).toBeUndefined();
  sessions.login(TOKEN, request());
  expect(sessions.size).toBe(MAX_SESSIONS);
  expect(sessions.refusal(request({ cookie: first }))).toContain("unknown or ended session");
});
