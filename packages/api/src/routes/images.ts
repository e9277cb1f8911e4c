/** Images: the store of images berthd unpacked for creates with `image`; list and remove. */
import { Elysia, t } from "elysia";
import { Image, ImageParams } from "@berth/protocol";
import type { Supervisor } from "@berth/supervisor";
import { answer, errorAnswers } from "./common.ts";

export function imageRoutes(supervisor: Supervisor) {
  return new Elysia({ name: "images" })
    .get("/v1/images", () => supervisor.bundles.listImages(), {
      response: { 200: answer(t.Array(Image), "the stored images, newest first"), ...errorAnswers() },
      detail: { summary: "List the stored images, newest first", tags: ["images"] },
    })
    .delete("/v1/images/:digest", ({ params, set }) => {
      supervisor.bundles.removeImage(params.digest);
      set.status = 204;
    }, {
      params: ImageParams,
      response: {
        204: answer(t.Void(), "the image is gone"),
        ...errorAnswers([404, "not_found: no such image in the store"], [409, "failed_precondition: a container (stopped ones too) was made from it"]),
      },
      detail: { summary: "Remove a stored image; 409 while a container uses it", tags: ["images"] },
    });
}
