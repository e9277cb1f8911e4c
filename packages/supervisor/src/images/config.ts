/** The OCI image config (image-spec config.md): the part a container's process is built from. */

/** The image config's `config` object: how the image wants its process run. Every field may be missing. */
export interface ImageProcessConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  /** "uid", "uid:gid", "name", "name:group" (names from the image's /etc/passwd and /etc/group) */
  User?: string;
}

/** The process part of a raw image config blob; undefined when the blob is not a JSON object. */
export function processConfigOf(raw: Buffer): ImageProcessConfig | undefined {
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as { config?: ImageProcessConfig } | null;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    return parsed.config ?? {};
  } catch {
    return undefined;
  }
}
