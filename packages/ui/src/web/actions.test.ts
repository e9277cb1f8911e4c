import { expect, test } from "bun:test";
import { createRequest } from "./actions.ts";

test("the Start form's values as a create request: image, rootfs or bundle, with the run fields given", () => {
  expect(createRequest({ id: " web1 ", from: "image", source: "oci:/srv/img:1", command: "", terminal: "false", readonly: "false", restart: "no", labels: "" }))
    .toEqual({ id: "web1", image: "oci:/srv/img:1" });
  expect(createRequest({ id: "r", from: "rootfs", source: "/srv/root", command: " httpd  -f -p 80 ", terminal: "true", readonly: "true", restart: "on-failure", labels: "app=web, tier=front," }))
    .toEqual({ id: "r", rootfs: "/srv/root", process: { args: ["httpd", "-f", "-p", "80"], terminal: true }, readonlyRootfs: true, labels: ["app=web", "tier=front"], restart: { policy: "on-failure" } });
  expect(createRequest({ id: "b", from: "bundlePath", source: "/srv/bundle", labels: "app=x" })).toEqual({ id: "b", bundlePath: "/srv/bundle", labels: ["app=x"] });
  // An unknown source or policy falls back to an image and no restart; berthd judges the rest.
  expect(createRequest({ id: "x", from: "nope", source: "s", restart: "sometimes" })).toEqual({ id: "x", image: "s" });
});
