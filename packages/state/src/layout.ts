/**
 * The state dir layout: every path Berth keeps on disk is built here and nowhere else.
 *
 *   <state>/berth.sock                    default unix API listener
 *   <state>/api-token                     bearer token for TCP listeners (0600)
 *   <state>/events.jsonl                  event journal, one JSON event per line
 *   <state>/trash/                        removed containers' dirs and removed images on their way out (emptied at start)
 *   <state>/images/<hex>/                 one unpacked image, by the sha256 of its config; never written once in place
 *     rootfs/                             its filesystem (umoci unpack): the lower layer of its containers' overlays
 *     config.json                         the OCI image config (Entrypoint, Cmd, Env, WorkingDir, User, ...)
 *     image.json                          ImageRecord: digest, references, size, createdAt
 *   <state>/pulls/<n>/                    an image being fetched (skopeo) and unpacked (umoci); emptied at start
 *   <state>/containers/<id>/              one dir per container (0700), stopped ones too; moved to trash/ when it is removed
 *     container.json                      ContainerRecord: what was asked for, written by berthd before the shim starts
 *     shim.json                           ShimRecord: the shim's pid and start time, written by the shim
 *     shim.sock                           the shim's RPC socket
 *     shim.log                            the shim's own log
 *     <pid>.pid                           runc's pid file of a process ("init" or an exec id)
 *     processes/<exec>.json               ProcessRecord of an exec: what was asked for, written by berthd first
 *     processes/<exec>.spec.json          the OCI process spec the shim hands to `runc exec --process`
 *     changes.jsonl                       the change log: every event of the container (starts, exits, oom, pause, …),
 *                                         numbered, written durably by the shim (by berthd after the shim died) first
 *     logs/<pid>.log, logs/<pid>.log.1    captured output when stdout/stderr were not given (current and rotated)
 *     logs/<pid>.log.1.gone-<n>           a rotated log being removed in the background (discardedLog)
 *     logs/<pid>.log.times, .times.1      when each part of the log was written (log-times.ts), rotated with it
 *     runc/                               runc's JSON logs, one file per call, removed after a successful call
 *     reported                            the number of the last change berthd journaled (survives journal compaction)
 *     cleaned                             the runtime's container, the shim and the cgroups are gone (written by berthd)
 *     restart-ended                       a stop through the API ended the container's restart policy
 *     bundle/config.json                  the OCI spec berthd wrote for a create with rootfs or image (no bundlePath)
 *     bundle/rootfs/                      an image container's root: its overlay is mounted here
 *     overlay/upper/, overlay/work/       the overlay's writable layer and work dir (what the container changed)
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The paths of a Berth install (a checkout set up by scripts/setup.sh), from its root:
 *
 *   package.json                          the version berthd reports
 *   dist/berthd.js                        berthd bundled into one file (`bun run build:berthd`)
 *   dist/berth-shim                       the compiled shim (`bun run build:shim`)
 *   packages/shim/src/main.ts             the shim's source, run under bun when there is no compiled shim
 *   dist/ui/                              the dashboard's assets (`bun run build:ui`)
 *   dist/bundles/demo/                    the demo bundle Swagger UI's create example names
 */
/** The `name` of a package.json, or undefined when there is none or it cannot be read as JSON. */
function manifestName(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

export class InstallLayout {
  constructor(readonly root: string) {}

  /**
   * The install a module belongs to, from the module's own dir (`import.meta.dir`): the nearest dir up whose
   * package.json is Berth's. The same call works in the source tree (packages/<name>/src) and in a bundle
   * (dist/berthd.js), where every module's import.meta.dir is the bundle's. A package.json that is not JSON is
   * not Berth's. Throws when there is none.
   */
  static of(moduleDir: string): InstallLayout {
    for (let dir = moduleDir; ; dir = dirname(dir)) {
      if (manifestName(join(dir, "package.json")) === "berth") return new InstallLayout(dir);
      if (dirname(dir) === dir) throw new Error(`no Berth install (a package.json named "berth") above ${moduleDir}`);
    }
  }

  get packageJson(): string {
    return join(this.root, "package.json");
  }
  get berthdBundle(): string {
    return join(this.root, "dist", "berthd.js");
  }
  get shimBinary(): string {
    return join(this.root, "dist", "berth-shim");
  }
  get shimSource(): string {
    return join(this.root, "packages", "shim", "src", "main.ts");
  }
  get uiDir(): string {
    return join(this.root, "dist", "ui");
  }
  get demoBundle(): string {
    return join(this.root, "dist", "bundles", "demo");
  }
}

/** The rotated file of a captured log (`<pid>.log.1`), or of its time index: the one place the name is built. */
export function rotatedLog(logPath: string): string {
  return `${logPath}.1`;
}

/**
 * A rotated capture log on its way out (`<pid>.log.1.gone-<n>`): renamed aside at the next rotation and unlinked
 * in the background, so freeing its pages does not hold up the copy.
 */
export function discardedLog(logPath: string, n: number): string {
  return `${rotatedLog(logPath)}.gone-${n}`;
}

/** Whether `path` is one of `logPath`'s discarded logs (discardedLog): a shim that died left it behind. */
export function isDiscardedLog(logPath: string, path: string): boolean {
  return path.startsWith(`${rotatedLog(logPath)}.gone-`);
}

/** The time index beside a capture log (log-times.ts), `<pid>.log.times`; rotatedLog names its rotated twin. */
export function logTimesPath(logPath: string): string {
  return `${logPath}.times`;
}

export class StateLayout {
  constructor(readonly root: string) {}

  get socket(): string {
    return join(this.root, "berth.sock");
  }
  get tokenFile(): string {
    return join(this.root, "api-token");
  }
  get journal(): string {
    return join(this.root, "events.jsonl");
  }
  get containersDir(): string {
    return join(this.root, "containers");
  }
  /** Released containers' dirs and removed images, moved out of the way (the name is free at once) and removed in the background. */
  get trashDir(): string {
    return join(this.root, "trash");
  }
  /** Unpacked images, one dir per digest (ImageLayout). */
  get imagesDir(): string {
    return join(this.root, "images");
  }
  /** Images being fetched and unpacked, each in a dir of its own until it is renamed into imagesDir. */
  get pullsDir(): string {
    return join(this.root, "pulls");
  }
  /** The store's dir of an image, from its digest "sha256:<hex>". */
  image(digest: string): ImageLayout {
    return new ImageLayout(join(this.imagesDir, digest.slice(digest.indexOf(":") + 1)));
  }
  container(id: string): ContainerLayout {
    return new ContainerLayout(join(this.containersDir, id));
  }
}

export class ContainerLayout {
  constructor(readonly dir: string) {}

  get record(): string {
    return join(this.dir, "container.json");
  }
  get shimRecord(): string {
    return join(this.dir, "shim.json");
  }
  get socket(): string {
    return join(this.dir, "shim.sock");
  }
  get shimLog(): string {
    return join(this.dir, "shim.log");
  }
  get logsDir(): string {
    return join(this.dir, "logs");
  }
  get runcLogDir(): string {
    return join(this.dir, "runc");
  }
  get processesDir(): string {
    return join(this.dir, "processes");
  }
  /** The change log (state/changes.ts). */
  get changes(): string {
    return join(this.dir, "changes.jsonl");
  }
  /** Present once the container's runtime resources are gone: a restore need not delete it again. */
  get cleaned(): string {
    return join(this.dir, "cleaned");
  }
  /** Present once a stop through the API has ended the restart policy (API.md): no more restarts. */
  get restartEnded(): string {
    return join(this.dir, "restart-ended");
  }
  /** The last change berthd journaled, so no restart reports it again. */
  get reported(): string {
    return join(this.dir, "reported");
  }
  processRecord(pid: string): string {
    return join(this.processesDir, `${pid}.json`);
  }
  processSpec(pid: string): string {
    return join(this.processesDir, `${pid}.spec.json`);
  }
  pidFile(pid: string): string {
    return join(this.dir, `${pid}.pid`);
  }
  /** The bundle berthd writes for a create with rootfs or image. */
  get bundleDir(): string {
    return join(this.dir, "bundle");
  }
  get bundleConfig(): string {
    return join(this.bundleDir, "config.json");
  }
  /** Where an image container's overlay is mounted: its root. */
  get rootfsMount(): string {
    return join(this.bundleDir, "rootfs");
  }
  get overlayUpper(): string {
    return join(this.dir, "overlay", "upper");
  }
  get overlayWork(): string {
    return join(this.dir, "overlay", "work");
  }
  log(pid: string): string {
    return join(this.logsDir, `${pid}.log`);
  }
}

/** One unpacked image in the store. */
export class ImageLayout {
  constructor(readonly dir: string) {}

  get rootfs(): string {
    return join(this.dir, "rootfs");
  }
  /** The OCI image config, as the image has it. */
  get config(): string {
    return join(this.dir, "config.json");
  }
  get record(): string {
    return join(this.dir, "image.json");
  }
}
