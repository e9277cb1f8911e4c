import { expect, test } from "bun:test";
import { BerthError } from "@berth/protocol";
import { hasToken, isPublic } from "./auth.ts";
import { isLoopback, parseListenAddress } from "./listeners.ts";

test("listen addresses: unix paths must be absolute, tcp needs host and port", () => {
  expect(parseListenAddress("unix:///run/berth/berth.sock")).toEqual({ kind: "unix", path: "/run/berth/berth.sock" });
  expect(parseListenAddress("tcp://127.0.0.1:7420")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 7420 });
  expect(parseListenAddress("tcp://[::1]:80")).toEqual({ kind: "tcp", host: "::1", port: 80 });
  for (const bad of ["unix://relative.sock", "tcp://127.0.0.1", "tcp://h:99999", "http://x:1", ""]) {
    expect(() => parseListenAddress(bad)).toThrow(BerthError);
  }
});

test("loopback is 127.0.0.0/8, ::1 and localhost; anything else needs TLS", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
  for (const host of ["0.0.0.0", "10.0.0.1", "::", "example.com", "128.0.0.1"]) expect(isLoopback(host)).toBe(false);
});

test("the bearer token: exact match only; public routes are GETs of healthz, the Swagger UI and the dashboard, and the login", () => {
  const req = (headers: Record<string, string>, path = "/v1/containers", method = "GET") => new Request(`http://localhost${path}`, { headers, method });
  expect(hasToken(req({ authorization: "Bearer s3cret" }), "s3cret")).toBe(true);
  expect(hasToken(req({ authorization: "bearer s3cret" }), "s3cret")).toBe(true);
  for (const header of ["Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret", ""]) {
    expect(hasToken(req({ authorization: header }), "s3cret")).toBe(false);
  }
  expect(isPublic(req({}, "/healthz"))).toBe(true);
  expect(isPublic(req({}, "/swagger"))).toBe(true);
  expect(isPublic(req({}, "/swagger/json"))).toBe(true);
  expect(isPublic(req({}, "/metrics"))).toBe(false);
  expect(isPublic(req({}, "/healthz", "POST"))).toBe(false);
  expect(isPublic(req({}, "/ui"))).toBe(true);
  expect(isPublic(req({}, "/ui/chunk-1.js"))).toBe(true);
  expect(isPublic(req({}, "/uix"))).toBe(false);
  expect(isPublic(req({}, "/v1/session", "POST"))).toBe(true);
  expect(isPublic(req({}, "/v1/session", "DELETE"))).toBe(false);
  expect(isPublic(req({}, "/v1/containers", "POST"))).toBe(false);
});
