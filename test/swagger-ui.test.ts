/** The Swagger UI in a real headless Chromium (Debian's package): it loads offline, lists the routes, and "Try it out" works. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { Daemon } from "./helpers/daemon.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`swagger-ui.test.ts: skipped, ${CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does)`);

let d: Daemon;
let browser: Browser;
beforeAll(async () => {
  if (!hasChromium) return;
  d = await Daemon.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});
afterAll(async () => {
  await browser?.close();
  await d?.cleanup();
});

test.skipIf(!hasChromium)("the page loads with no internet, lists the routes, and Try it out on GET /v1/version shows 200", async () => {
  const page = await browser.newPage();
  const external: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(d.tcpUrl)) external.push(r.url());
  });
  await page.goto(`${d.tcpUrl}/swagger`);
  await page.locator(".opblock").first().waitFor();
  const paths = await page.locator(".opblock-summary-path").allInnerTexts();
  for (const route of ["/v1/containers", "/v1/containers/{id}/signal", "/v1/events", "/v1/version", "/healthz"]) {
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toContain(route);
  }
  // Authorize with the bearer token, as the README says.
  await page.locator("button.authorize").first().click();
  await page.locator(".auth-container input").first().fill(readFileSync(join(d.stateDir, "api-token"), "utf8").trim());
  await page.locator(".auth-btn-wrapper button.authorize").click();
  await page.locator("button.btn-done").click();

  const op = page.locator("#operations-default-getV1Version");
  await op.locator(".opblock-summary").click();
  await op.locator("button.try-out__btn").click();
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor();
  expect((await status.innerText()).trim()).toBe("200");
  expect(await op.locator(".live-responses-table .microlight").first().innerText()).toContain('"version"');
  expect(external).toEqual([]);
}, 60_000);
