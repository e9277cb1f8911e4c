/**
 * Image references as a create gives them: `transport:name` in skopeo's words ("oci:/layout[:tag]",
 * "docker-archive:/file.tar", "docker://busybox:latest", ...). What the transport means is skopeo's business;
 * this only refuses what can never work, before any tool runs: no transport, or a relative path for a transport
 * that reads files (API.md: paths in requests are absolute).
 */
import { BerthError } from "@berth/protocol";

const PATH_TRANSPORTS = new Set(["oci", "oci-archive", "docker-archive", "dir"]);

/** The reference as given, or invalid_argument saying what is wrong with it. */
export function checkReference(reference: string): string {
  const m = /^([a-z][a-z0-9-]*):(.+)$/.exec(reference);
  if (!m) throw new BerthError("invalid_argument", `image ${JSON.stringify(reference)}: expected TRANSPORT:NAME, e.g. oci:/path/layout:tag, docker-archive:/path/file.tar or docker://busybox`);
  const [, transport, name] = m;
  if (transport === "docker" && !name!.startsWith("//")) {
    throw new BerthError("invalid_argument", `image ${JSON.stringify(reference)}: a registry image is docker://NAME[:TAG]`);
  }
  if (PATH_TRANSPORTS.has(transport!) && !name!.startsWith("/")) {
    throw new BerthError("invalid_argument", `image ${JSON.stringify(reference)}: the path of a ${transport}: image must be absolute`);
  }
  return reference;
}
