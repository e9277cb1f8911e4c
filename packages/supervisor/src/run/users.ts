/**
 * An image's `User` ("uid", "uid:gid", "name", "name:group", and mixes) as numeric ids, looked up in the
 * container's own /etc/passwd and /etc/group the way docker does: a user without a group takes the primary group
 * of its passwd entry, else 0. A name the files do not have is invalid_argument.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BerthError, type User } from "@berth/protocol";

/** The numeric user of `spec` in the root filesystem `rootfs`. */
export function resolveUser(spec: string, rootfs: string): User {
  const [user, group] = spec.split(":", 2) as [string, string | undefined];
  const passwd = entries(join(rootfs, "etc", "passwd"));
  const entry = /^\d+$/.test(user) ? passwd.find((e) => e[2] === user) : passwd.find((e) => e[0] === user);
  if (!entry && !/^\d+$/.test(user)) throw new BerthError("invalid_argument", `image user ${JSON.stringify(spec)}: no user ${user} in its /etc/passwd`);
  const uid = Number(entry?.[2] ?? user);
  if (group === undefined) return { uid, gid: Number(entry?.[3] ?? 0) };
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const found = entries(join(rootfs, "etc", "group")).find((e) => e[0] === group);
  if (!found) throw new BerthError("invalid_argument", `image user ${JSON.stringify(spec)}: no group ${group} in its /etc/group`);
  return { uid, gid: Number(found[2]) };
}

/** The colon-separated fields of each line of a passwd-style file; none when it is missing. */
function entries(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}
