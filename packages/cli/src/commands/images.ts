/**
 * The images berthd stored for `run IMAGE` and creates with `image`: `images` lists them, and the `image` group
 * lists and removes them. A digest may be shortened to a unique prefix of its hex, as `images` prints it.
 */
import type { Image } from "@berth/protocol";
import { UsageError } from "../args.ts";
import { command, type Group, JSON_OPTION } from "../command.ts";
import { json, line } from "../output.ts";
import { table } from "../table.ts";
import { formatBytes } from "../units.ts";

/** A digest as `images` prints it and `image rm` takes it: the first 12 hex digits. */
export const shortDigest = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

const listOptions = { ...JSON_OPTION, quiet: { type: "boolean", short: "q", help: "print only the digests" } } as const;

const list = (name: string, aliases: string[] = []) => command({
  name,
  aliases,
  summary: "List stored images: DIGEST, SIZE, CREATED, REFERENCES, newest first",
  options: listOptions,
  async run({ client }, { json: asJson, quiet }) {
    const images = await client.images();
    if (asJson) return json(images);
    await line(quiet ? images.map((i) => i.digest).join("\n") : imagesTable(images));
  },
});

const remove = command({
  name: "remove",
  aliases: ["rm"],
  summary: "Remove stored images no container uses",
  args: "DIGEST [DIGEST...]",
  arity: [1, Infinity],
  options: {},
  async run({ client }, _values, digests) {
    const images = await client.images();
    for (const digest of digests) await client.removeImage(resolveDigest(images, digest));
  },
});

export const images = list("images");

export const image: Group = { name: "image", summary: "Stored images: list, remove", commands: [list("list", ["ls"]), remove] };

function imagesTable(images: Image[]): string {
  return table(["DIGEST", "SIZE", "CREATED", "REFERENCES"], images.map((i) => [
    shortDigest(i.digest), formatBytes(i.size), i.createdAt, i.references.join(", "),
  ]));
}

/** The full digest of the one image whose hex starts with `prefix` ("sha256:" optional). */
function resolveDigest(images: Image[], prefix: string): string {
  const hex = prefix.replace(/^sha256:/, "");
  const found = images.filter((i) => i.digest.startsWith(`sha256:${hex}`));
  if (found.length === 1) return found[0]!.digest;
  if (found.length > 1) throw new UsageError(`digest ${prefix} is ambiguous: ${found.map((i) => i.digest).join(", ")}`);
  // Not stored: the API's own not_found says so.
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : prefix;
}
