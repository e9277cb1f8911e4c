/** The image routes' shapes: an image of berthd's store, and the digest that names one. */
import { type Static, Type as T } from "@sinclair/typebox";
import { Timestamp } from "./schemas.ts";

export const DIGEST_PATTERN = "^sha256:[0-9a-f]{64}$";

export const Image = T.Object({
  digest: T.String({ pattern: DIGEST_PATTERN, description: "sha256 of the image's config, as docker's image id" }),
  references: T.Array(T.String(), { description: "every image reference a create named that gave this image" }),
  size: T.Integer({ minimum: 0, description: "bytes of its unpacked files" }),
  createdAt: Timestamp,
}, { $id: "Image", description: "an image of berthd's store" });
export type Image = Static<typeof Image>;

export const ImageParams = T.Object({
  digest: T.String({ pattern: DIGEST_PATTERN, description: "the image's digest, sha256:<64 hex>, as GET /v1/images lists it" }),
});
