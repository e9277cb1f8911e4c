/**
 * Bundles the dashboard (web/index.html, its TypeScript and CSS, xterm.js and uPlot) with `bun build` into static
 * assets: index.html plus content-hashed .js and .css, all referenced under /ui/, where berthd serves them
 * (packages/api/src/dashboard.ts). Run by scripts/setup.sh: `bun packages/ui/src/build.ts [OUTDIR]`, default dist/ui.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { InstallLayout } from "@berth/state";

/** The directory berthd serves the dashboard from, as setup builds it. */
export const UI_DIST = InstallLayout.of(import.meta.dir).uiDir;

/** Builds the dashboard into `outdir`, replacing what was there; throws with the bundler's messages on failure. */
export async function buildUi(outdir = UI_DIST): Promise<string[]> {
  rmSync(outdir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "web/index.html")],
    outdir,
    target: "browser",
    minify: true,
    publicPath: "/ui/",
  });
  if (!result.success) throw new Error(`build the dashboard: ${result.logs.map(String).join("\n")}`);
  return result.outputs.map((o) => o.path);
}

if (import.meta.main) {
  const outputs = await buildUi(process.argv[2] ? resolve(process.argv[2]) : UI_DIST);
  console.log(`dashboard: ${outputs.length} files in ${process.argv[2] ?? UI_DIST}`);
}
