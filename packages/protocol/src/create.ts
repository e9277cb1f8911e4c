/**
 * The create body (API.md's CreateContainer): a container from an OCI bundle (`bundlePath`), or from a root
 * filesystem (`rootfs`) or an OCI image (`image`), for which berthd writes the bundle from the run fields
 * (`process`, `mounts`, `resources`, `readonlyRootfs`). Which of bundlePath, rootfs and image is given, and that
 * the run fields come only with rootfs or image, is checked by the supervisor: a schema union would make every
 * refusal an unreadable list of alternatives.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { Resources } from "./operations.ts";
import { absolutePath, ID_PATTERN, PATH_MAX, Restart, stdioPath, User } from "./schemas.ts";

/** The init of a container berthd writes the bundle for; what is left out comes from the image, else runc's defaults. */
export const RunProcess = T.Object({
  args: T.Optional(T.Array(T.String(), { minItems: 1, description: "the command: replaces the image's Cmd (its Entrypoint stays in front); default the image's, else sh" })),
  env: T.Optional(T.Array(T.String({ pattern: "^[^=]+=" }), { description: "KEY=VALUE: added to the image's (same key: this one)" })),
  cwd: T.Optional(absolutePath("working directory inside the container (default the image's, else /)")),
  user: T.Optional(User),
  terminal: T.Optional(T.Boolean({ description: "give the init a pty (default false)" })),
}, { $id: "RunProcess", additionalProperties: false, description: "the init of a rootfs or image container" });
export type RunProcess = Static<typeof RunProcess>;

/** A bind mount of a host path into the container. */
export const BindMount = T.Object({
  source: absolutePath("host path to mount: it must exist and lie outside berthd's state dir"),
  destination: absolutePath("where it appears inside the container"),
  readonly: T.Optional(T.Boolean({ description: "mount it read-only (default false)" })),
}, { $id: "BindMount", additionalProperties: false, description: "a bind mount of a host path into the container" });
export type BindMount = Static<typeof BindMount>;


export const CreateContainer = T.Object({
  id: T.String({ pattern: ID_PATTERN, description: "the new container's id: unique among the containers berthd holds", examples: ["demo"] }),
  bundlePath: T.Optional(absolutePath("absolute path of an OCI bundle: config.json and its rootfs", { examples: ["/opt/berth/dist/bundles/demo"] })),
  rootfs: T.Optional(absolutePath("absolute directory: the container's root (instead of bundlePath)")),
  image: T.Optional(T.String({
    minLength: 1,
    maxLength: PATH_MAX,
    description: 'an OCI image as skopeo names it: "oci:/layout[:tag]", "docker-archive:/file.tar", "docker://busybox" (instead of bundlePath)',
  })),
  process: T.Optional(RunProcess),
  mounts: T.Optional(T.Array(BindMount, { description: "bind mounts (with rootfs or image)" })),
  resources: T.Optional(Resources),
  readonlyRootfs: T.Optional(T.Boolean({ description: "mount the root read-only (default false; with rootfs or image)" })),
  stdin: stdioPath("stdin", "default /dev/null (or the terminal)"),
  stdout: stdioPath("stdout", "default: captured by the shim (see the logs route)"),
  stderr: stdioPath("stderr", "default: captured by the shim (see the logs route)"),
  labels: T.Optional(T.Array(T.String(), { description: 'free-form labels, by convention "key=value"', examples: [["app=demo"]] })),
  noPivotRoot: T.Optional(T.Boolean({ description: "runc --no-pivot: for a rootfs on a ramdisk" })),
  runtime: T.Optional(T.String({ minLength: 1, maxLength: PATH_MAX, description: "OCI runtime binary for this container (default: berthd's --runtime)" })),
  runtimeArgs: T.Optional(T.Array(T.String(), { description: "global runtime arguments for this container, e.g. --root=/x (default: berthd's)" })),
  checkpoint: T.Optional(T.String({ pattern: ID_PATTERN, description: "restore this checkpoint (runc restore) instead of starting anew" })),
  checkpointDir: T.Optional(absolutePath("where the checkpoint is (default <bundle>/checkpoints)")),
  autoRemove: T.Optional(T.Boolean({ description: "remove the container (and its logs) once its init has exited and it is cleaned up" })),
  restart: T.Optional(Restart),
}, {
  $id: "CreateContainer",
  additionalProperties: false,
  description: "a container to create: from an OCI bundle, or from a root filesystem or an OCI image with the run fields",
});
export type CreateContainer = Static<typeof CreateContainer>;
