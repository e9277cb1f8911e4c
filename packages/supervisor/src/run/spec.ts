/**
 * The spec of a bundle berthd writes, in three layers: runc's default spec (default-spec.ts), then the image
 * config's Entrypoint, Cmd, Env, WorkingDir and User, then the create's own fields (process, mounts, resources,
 * readonlyRootfs). Environment variables merge by name, a later layer winning; `process.args` replaces the
 * image's Cmd and keeps its Entrypoint in front, as `docker run IMAGE CMD` does. The hostname is the container id
 * (its first 64 characters).
 */
import type { CreateContainer } from "@berth/protocol";
import type { ImageProcessConfig } from "../images/config.ts";
import { linuxResources } from "@berth/runtime";
import { defaultSpec, type OciSpec } from "./default-spec.ts";
import { resolveUser } from "./users.ts";

/** sethostname(2) takes at most 64 bytes; an id may have 128. */
const HOST_NAME_MAX = 64;

export interface SpecInput {
  request: CreateContainer;
  /** The container's root as runc sees it: the user's rootfs, or the image container's overlay mount point. */
  root: string;
  /** Where /etc/passwd and /etc/group are read from for a user given by name (the image's rootfs). */
  lookupRoot: string;
  image?: ImageProcessConfig;
}

export function buildSpec({ request, root, lookupRoot, image }: SpecInput): OciSpec {
  const spec = defaultSpec();
  const p = spec.process;
  if (image) {
    const entrypoint = image.Entrypoint ?? [];
    const command = [...entrypoint, ...(image.Cmd ?? [])];
    if (command.length) p.args = command;
    p.env = mergeEnv(p.env, image.Env ?? []);
    if (image.WorkingDir) p.cwd = image.WorkingDir;
    if (image.User) p.user = resolveUser(image.User, lookupRoot);
    if (request.process?.args) p.args = [...entrypoint, ...request.process.args];
  } else if (request.process?.args) {
    p.args = request.process.args;
  }
  const asked = request.process ?? {};
  if (asked.env) p.env = mergeEnv(p.env, asked.env);
  if (asked.cwd) p.cwd = asked.cwd;
  if (asked.user) p.user = asked.user;
  p.terminal = asked.terminal ?? false;
  spec.root = { path: root, readonly: request.readonlyRootfs ?? false };
  spec.hostname = request.id.slice(0, HOST_NAME_MAX);
  for (const m of request.mounts ?? []) {
    spec.mounts.push({ destination: m.destination, type: "bind", source: m.source, options: ["rbind", ...(m.readonly ? ["ro"] : [])] });
  }
  if (request.resources) spec.linux.resources = { ...spec.linux.resources, ...linuxResources(request.resources) };
  return spec;
}

/** `base` with each KEY=VALUE of `over` set: in place when the key is there, else added at the end. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const key = (kv: string) => kv.slice(0, kv.indexOf("="));
  const out = [...base];
  for (const kv of over) {
    const at = out.findIndex((e) => key(e) === key(kv));
    if (at >= 0) out[at] = kv;
    else out.push(kv);
  }
  return out;
}
