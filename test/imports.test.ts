/** No import circles anywhere in packages/ (type-only imports included): each part depends on the ones below it. */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { REPO } from "./helpers/daemon.ts";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

test("the import graph of packages/ has no cycle", () => {
  const packages = join(REPO, "packages");
  const files = new Set(readdirSync(packages).flatMap((p) => sources(join(packages, p, "src"))));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps: string[] = [];
    for (const [, target] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) {
      const path = target!.startsWith(".") ? normalize(join(dirname(file), target!))
        : target!.startsWith("@berth/") ? join(packages, target!.split("/")[1]!, "src/index.ts") : undefined;
      if (path && files.has(path)) deps.push(path);
    }
    graph.set(file, deps);
  }
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...path.slice(path.indexOf(dep)), dep].map((f) => f.slice(packages.length + 1)).join(" -> "));
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(graph.size).toBeGreaterThan(100);
  expect(cycles).toEqual([]);
});
