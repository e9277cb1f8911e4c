/**
 * `bun run bench setup`: installs from Debian's packages what the bench compares Berth with and what its api
 * scenario loads it with, when missing: containerd (containerd, ctr, containerd-shim-runc-v2), podman and conmon,
 * wrk. Idempotent: with everything there it installs nothing. The bench runs without them (Berth and raw runc only);
 * the README's test command does not need them.
 */
import { spawn } from "./procs.ts";

/** Debian package → the binaries it must provide. */
const PACKAGES: Record<string, string[]> = {
  containerd: ["containerd", "ctr", "containerd-shim-runc-v2"],
  podman: ["podman"],
  conmon: ["conmon"],
  wrk: ["wrk"],
};

/** The Debian packages whose binaries are missing here. */
export function missingPackages(): string[] {
  return Object.entries(PACKAGES).filter(([, bins]) => bins.some((b) => !Bun.which(b))).map(([pkg]) => pkg);
}

/** Installs the missing packages with apt-get; returns the exit status for the command line. */
export async function setup(): Promise<number> {
  const missing = missingPackages();
  if (missing.length === 0) {
    console.log(`bench setup: ${Object.keys(PACKAGES).join(", ")} are installed`);
    return 0;
  }
  console.log(`bench setup: installing ${missing.join(", ")} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const argv of [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing]]) {
    const proc = spawn(argv, { stdin: "ignore", stdout: "inherit", stderr: "inherit", env });
    const code = await proc.exited;
    if (code !== 0) {
      console.error(`bench setup: ${argv.join(" ")} failed (exit ${code})`);
      return 1;
    }
  }
  const still = missingPackages();
  if (still.length) console.error(`bench setup: still missing after the install: ${still.join(", ")}`);
  return still.length ? 1 : 0;
}
