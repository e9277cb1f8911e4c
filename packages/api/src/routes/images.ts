/** Images: the store of images berthd unpacked for creates with `image`; list and remove. */
import { Elysia, t } from "elysia";
import { Image, ImageParams } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { errors } from "./common.ts";

export function imageRoutes(supervisor: Supervisor) {
  return new Elysia({ name: "images" })
    .get("/v1/images", () => supervisor.bundles.listImages(), {
      response: t.Array(Image),
      detail: { summary: "List the stored images, newest first" },
    })
    .delete("/v1/images/:digest", ({ params, set }) => {
      supervisor.bundles.removeImage(params.digest);
      set.status = 204;
    }, {
      params: ImageParams,
      response: { 204: t.Void(), ...errors },
      detail: { summary: "Remove a stored image; 409 while a container uses it" },
    });
}
