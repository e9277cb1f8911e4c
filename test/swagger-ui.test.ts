/**
 * The Swagger UI in a real headless Chromium (Debian's package): it loads offline, groups the routes by tag, shows
 * the schemas' descriptions, and "Try it out" with the examples as they are works against the demo bundle:
 * create, inspect, exec, wait, logs, update, stats, top, events, signal, delete.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { Daemon, REPO } from "./helpers/daemon.ts";

const CHROMIUM = "/usr/bin/chromium";
const DEMO = join(REPO, "dist/bundles/demo/config.json");
const ready = existsSync(CHROMIUM) && existsSync(DEMO);
if (!ready) console.log(`swagger-ui.test.ts: skipped, ${existsSync(CHROMIUM) ? DEMO : CHROMIUM} is missing (bash scripts/test.sh makes both)`);

let d: Daemon;
let browser: Browser;
// The examples name the container "demo": a runc root of the test's own keeps it apart from any other "demo", and
// so does a copy of the demo bundle whose cgroups are the test's own (runc names them after the id by default, so
// another suite's "demo" on this machine would share them).
const runcRoot = mkdtempSync(join(tmpdir(), "bt-runc-"));
const demoCopy = mkdtempSync(join(tmpdir(), "bt-demo-"));
beforeAll(async () => {
  if (!ready) return;
  const spec = JSON.parse(readFileSync(DEMO, "utf8")) as { linux: { cgroupsPath?: string } };
  spec.linux.cgroupsPath = `/${basename(demoCopy)}`;
  writeFileSync(join(demoCopy, "config.json"), JSON.stringify(spec));
  d = await Daemon.start({ args: ["--runtime-args", `--root=${runcRoot}`, "--demo-bundle", demoCopy] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});
afterAll(async () => {
  await browser?.close();
  await d?.cleanup();
  Bun.spawnSync(["runc", "--root", runcRoot, "delete", "--force", "demo"], { stderr: "ignore" });
  rmSync(runcRoot, { recursive: true, force: true });
  rmSync(demoCopy, { recursive: true, force: true });
});

/** Opens the page with the bearer token authorized, as the README says; records requests that leave berthd. */
async function openPage(external: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(d.tcpUrl)) external.push(r.url());
  });
  await page.goto(`${d.tcpUrl}/swagger`);
  await page.locator(".opblock").first().waitFor();
  await page.locator("button.authorize").first().click();
  await page.locator(".auth-container input").first().fill(readFileSync(join(d.stateDir, "api-token"), "utf8").trim());
  await page.locator(".auth-btn-wrapper button.authorize").click();
  await page.locator("button.btn-done").click();
  return page;
}

/** Expands an operation, presses "Try it out" and "Execute" with what the page filled in, and reads the answer. */
async function tryOut(page: Page, tag: string, operationId: string): Promise<{ status: string; body: string }> {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator(".opblock-summary").click();
  const toggle = op.locator("button.try-out__btn");
  await toggle.waitFor();
  if ((await toggle.innerText()).includes("Try it out")) await toggle.click(); // the second time it is already on
  // The page fills in each parameter's example as it renders: on a loaded machine that can lag the click.
  for (const select of await op.locator(".parameters select").all()) {
    for (const deadline = Date.now() + 10_000; (await select.inputValue()) === "" && Date.now() < deadline; ) await Bun.sleep(20);
  }
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor();
  const body = op.locator(".live-responses-table .microlight").first();
  const answer = { status: (await status.innerText()).trim(), body: (await body.count()) ? await body.innerText() : "" };
  await op.locator(".opblock-summary").click(); // collapse, so the next one is in view
  return answer;
}

test.skipIf(!ready)("routes are grouped by tag, with their descriptions, and the page needs no internet", async () => {
  const external: string[] = [];
  const page = await openPage(external);
  const tags = await page.locator(".opblock-tag-section h3 .opblock-tag, .opblock-tag-section h3").allInnerTexts();
  const names = tags.map((t) => t.split("\n")[0]!.trim());
  for (const tag of ["system", "containers", "processes", "checkpoints", "events", "metrics"]) expect(names).toContain(tag);
  expect(names).not.toContain("default");
  const paths = (await page.locator(".opblock-summary-path").allInnerTexts()).map((p) => p.replace(/\u200b/g, ""));
  for (const route of ["/v1/containers", "/v1/containers/{id}/signal", "/v1/containers/{id}/top", "/v1/events", "/v1/version", "/healthz"]) {
    expect(paths).toContain(route);
  }
  // A response has its own description; the request body's schema shows each field's.
  const create = page.locator("#operations-containers-postV1Containers");
  await create.locator(".opblock-summary").click();
  expect(await create.locator(".responses-table").innerText()).toContain("the container, its init running");
  expect(await create.locator(".responses-table").innerText()).not.toContain("Response for status");
  await create.locator(".opblock-section-request-body button", { hasText: "Schema" }).first().click();
  const model = create.locator(".opblock-section-request-body .model-box");
  await model.getByText("bundlePath").first().click();
  expect(await model.innerText()).toContain("absolute path of an OCI bundle");
  expect(external).toEqual([]);
});

test.skipIf(!ready)("Try it out with the examples as sent: the demo container's whole life", async () => {
  const page = await openPage([]);
  expect(await tryOut(page, "system", "getV1Version")).toMatchObject({ status: "200", body: expect.stringContaining('"version"') });
  expect(await tryOut(page, "containers", "postV1Containers")).toMatchObject({ status: "201", body: expect.stringContaining('"id": "demo"') });
  expect((await tryOut(page, "containers", "getV1ContainersById")).status).toBe("200");
  expect((await tryOut(page, "processes", "postV1ContainersByIdProcesses")).body).toContain('"pid": "ls1"');
  expect(await tryOut(page, "processes", "postV1ContainersByIdProcessesByPidWait")).toMatchObject({ status: "200", body: expect.stringContaining('"status": 0') });
  expect((await tryOut(page, "processes", "getV1ContainersByIdProcessesByPid")).status).toBe("200");
  expect(await tryOut(page, "processes", "getV1ContainersByIdProcessesByPidLogs")).toMatchObject({ status: "200", body: expect.stringContaining("bin") });
  expect((await tryOut(page, "processes", "patchV1ContainersByIdProcessesByPid")).status).toBe("204");
  expect(await tryOut(page, "containers", "patchV1ContainersById")).toMatchObject({ status: "200", body: expect.stringContaining('"status": "running"') });
  expect(await tryOut(page, "containers", "getV1ContainersByIdStats")).toMatchObject({ status: "200", body: expect.stringContaining('"limit": 100') });
  expect(await tryOut(page, "containers", "getV1ContainersByIdTop")).toMatchObject({ status: "200", body: expect.stringContaining('"command"') });
  expect((await tryOut(page, "checkpoints", "getV1ContainersByIdCheckpoints")).status).toBe("200");
  expect(await tryOut(page, "events", "getV1Events")).toMatchObject({ status: "200", body: expect.stringContaining("event: start-process") });
  expect((await tryOut(page, "containers", "postV1ContainersByIdSignal")).status).toBe("204");
  // SIGTERM ended the demo; the create example starts it again, and the delete example removes it.
  await d.json("POST", "/v1/containers/demo/processes/init/wait");
  expect((await tryOut(page, "containers", "postV1Containers")).status).toBe("201");
  expect((await tryOut(page, "containers", "deleteV1ContainersById")).status).toBe("204");
  expect((await d.json("GET", "/v1/containers/demo")).status).toBe(404);
});
