/**
 * OCI images for tests, made without any network: umoci packs the shared busybox rootfs (scripts/bundle.ts) into
 * an OCI image layout with the given config, and skopeo copies a layout into a docker-archive tarball.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureRootfs } from "../../scripts/bundle.ts";

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workdir?: string;
  user?: string;
}

const made: string[] = [];

function run(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
}

/** An OCI layout `<tmp>/layout` holding the busybox rootfs as image `tag` with `config`; returns the layout dir. */
export function ociImage(config: ImageConfig = {}, tag = "latest"): string {
  const layout = join(mkdtempSync(join(tmpdir(), "bi-")), "layout");
  made.push(join(layout, ".."));
  const image = `${layout}:${tag}`;
  run(["umoci", "init", "--layout", layout]);
  run(["umoci", "new", "--image", image]);
  run(["umoci", "insert", "--image", image, ensureRootfs(), "/"]);
  const flags = [
    ...(config.entrypoint ?? []).map((a) => `--config.entrypoint=${a}`),
    ...(config.cmd ?? []).map((a) => `--config.cmd=${a}`),
    ...(config.env ?? []).map((e) => `--config.env=${e}`),
    ...(config.workdir ? [`--config.workingdir=${config.workdir}`] : []),
    ...(config.user ? [`--config.user=${config.user}`] : []),
  ];
  if (flags.length) run(["umoci", "config", "--image", image, ...flags]);
  return layout;
}

/** The image `tag` of an OCI layout as a docker-archive tarball next to it; returns the file. */
export function dockerArchive(layout: string, tag = "latest"): string {
  const file = join(layout, "..", `${tag}.tar`);
  run(["skopeo", "copy", "--quiet", `oci:${layout}:${tag}`, `docker-archive:${file}:berth-test:${tag}`]);
  return file;
}

export function removeImages(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
