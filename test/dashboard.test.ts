/**
 * The dashboard in a real headless Chromium (Debian's package) against a real berthd and real containers: the
 * login over TCP, the live table following starts, pauses and exits, actions from the page, a container's charts
 * and logs, a terminal through the attach WebSocket whose size follows the window, the events timeline, the host
 * panel, and over a forwarded unix socket no login at all. Screenshots are kept in dist/artifacts/ (not committed).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { bundle, removeBundles, uid } from "./helpers/bundles.ts";
import { Daemon, REPO } from "./helpers/daemon.ts";
import { forwardToUnix } from "./helpers/forward.ts";
import { ensureRootfs } from "../scripts/bundle.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`dashboard.test.ts: skipped, ${CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does)`);
const ARTIFACTS = join(REPO, "dist/artifacts");
const WAIT = { timeout: 20_000 };

let d: Daemon;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const external: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  d = await Daemon.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(d.tcpUrl) && !url.startsWith(d.tcpUrl.replace("http", "ws")) && !url.startsWith("data:")) external.push(url);
  });
  page.on("pageerror", (e) => errors.push(e.message));
});
afterAll(async () => {
  await browser?.close();
  await d?.cleanup();
  removeBundles();
});

const row = (id: string, status?: string) => page.locator(`tr[data-id="${id}"]${status ? `[data-status="${status}"]` : ""}`);
/** A screenshot into the artifacts, without the passing notices. */
const shoot = async (name: string, fullPage = false) => {
  await page.evaluate(() => document.getElementById("toasts")?.replaceChildren());
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage });
};
const status = async (id: string) => (await d.json<{ status: string }>("GET", `/v1/containers/${id}`)).body.status;

test.skipIf(!hasChromium)("log in with the token; the table follows containers as they start, pause and exit", async () => {
  await page.goto(`${d.tcpUrl}/ui`);
  const token = readFileSync(join(d.stateDir, "api-token"), "utf8").trim();
  await page.locator("#token").fill(token);
  await page.locator(".login button[type=submit]").click();
  await page.locator('.pill[data-stream="live"]').waitFor(WAIT);
  expect(page.url()).not.toContain(token);
  await page.locator("#show-stopped").check();

  const web = uid("web");
  const job = uid("job");
  // It says hello, then works a little and ticks every second, so its charts and logs have something to show.
  const work = "while true; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo tick $(date +%T); sleep 1; done";
  await d.create(web, bundle(["sh", "-c", `echo hello-dashboard; echo second line; ${work}`]), { labels: ["app=web", "tier=front"] });
  await d.create(job, bundle(["sleep", "1000"], { pidNamespace: false }), { labels: ["app=job"] });
  await row(web, "running").waitFor(WAIT);
  await row(job, "running").waitFor(WAIT);
  expect(await row(web).locator(".chip").allInnerTexts()).toEqual(["app=web", "tier=front"]);

  // Pause and resume from the page; berthd agrees.
  await row(web).locator('button[data-action="pause"]').click();
  await row(web, "paused").waitFor(WAIT);
  expect(await status(web)).toBe("paused");
  await row(web).locator('button[data-action="resume"]').click();
  await row(web, "running").waitFor(WAIT);
  expect(await status(web)).toBe("running");

  // Signal from the page (its form suggests SIGTERM to init): the row shows the exit, since Show stopped is on.
  await row(job).locator('button[data-action="signal"]').click();
  await page.locator("dialog form button[type=submit]").click();
  await row(job, "stopped").locator("[data-life]").filter({ hasText: "exited 143 (SIGTERM)" }).waitFor(WAIT);
  expect(await status(job)).toBe("stopped");
  // Without Show stopped the table lists running and paused containers only.
  await page.locator("#show-stopped").uncheck();
  await row(job).waitFor({ state: "detached", ...WAIT });
  await page.locator("#show-stopped").check();
  await row(job, "stopped").waitFor(WAIT);

  await shoot("dashboard-containers.png");
  (globalThis as { web?: string }).web = web;
});

test.skipIf(!hasChromium)("a container's page: charts sampled once a second only while it is open, logs with search, its events", async () => {
  const web = (globalThis as { web?: string }).web!;
  const stats: number[] = [];
  const onRequest = (r: { url(): string }) => r.url().endsWith(`/v1/containers/${web}/stats`) && stats.push(Date.now());
  page.on("request", onRequest);
  await row(web).locator("a").first().click();
  await page.locator(`[data-container-status="running"]`).waitFor(WAIT);
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>(".chart")].every((c) => Number(c.dataset.samples) >= 4), undefined, WAIT);
  const logs = page.locator("pre[data-logs]");
  await logs.filter({ hasText: "hello-dashboard" }).filter({ hasText: "tick" }).waitFor(WAIT);
  await page.locator('tr[data-type="start-container"]').waitFor(WAIT);
  await shoot("dashboard-container.png", true);
  await page.getByLabel("Search the logs").fill("SECOND");
  await page.locator('pre[data-logs][data-lines="1"] mark').filter({ hasText: "second" }).waitFor(WAIT);

  // Leaving the page stops the sampling; the scenario is about time, so it waits a few sample periods.
  await page.locator('header [data-nav="containers"]').click();
  await row(web).waitFor(WAIT);
  const left = stats.length;
  await Bun.sleep(2500);
  page.off("request", onRequest);
  expect(stats.length).toBe(left);
  const intervals = stats.slice(1, left).map((t, i) => t - stats[i]!);
  expect(Math.min(...intervals)).toBeGreaterThan(500);
});

/** What the terminal shows, as text. */
const screen = () => page.locator(".xterm-rows").innerText();

test.skipIf(!hasChromium)("a shell in the browser: types through the attach WebSocket, reads the answer; its size follows the window", async () => {
  const web = (globalThis as { web?: string }).web!;
  await page.goto(`${d.tcpUrl}/ui#/containers/${web}`);
  await page.locator('button[data-action="shell"]').click();
  await page.locator('.term-box[data-attach="live"]').waitFor(WAIT);
  await page.locator(".term-box").click();
  await page.keyboard.type("echo ui-$((6*7))");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /^ui-42$/m.test(document.querySelector<HTMLElement>(".xterm-rows")?.innerText ?? ""), undefined, WAIT);

  // `stty size` in the shell says what berthd was told; it changes when the window does.
  const size = async (marker: string) => {
    await page.keyboard.type(`echo ${marker}-$(stty size | tr ' ' x)`);
    await page.keyboard.press("Enter");
    await page.waitForFunction((m) => new RegExp(`^${m}-\\d+x\\d+`, "m").test(document.querySelector<HTMLElement>(".xterm-rows")?.innerText ?? ""), marker, WAIT)
      .catch(async (err: Error) => Promise.reject(new Error(`${err.message}\nthe terminal shows: ${JSON.stringify(await screen())}`)));
    return new RegExp(`^${marker}-(\\d+x\\d+)`, "m").exec(await screen())![1]!;
  };
  const before = await size("big");
  expect(before).not.toBe("0x0");
  await shoot("dashboard-terminal.png");
  await page.setViewportSize({ width: 900, height: 600 });
  await page.locator(".term-box").click();
  let after = before;
  for (let i = 0; i < 10 && after === before; i++) {
    await page.keyboard.press("Control+L"); // a clean screen, so each answer is the only one
    after = await size(`small${i}`);
  }
  const [rowsBefore, colsBefore] = before.split("x").map(Number) as [number, number];
  const [rowsAfter, colsAfter] = after.split("x").map(Number) as [number, number];
  expect(rowsAfter).toBeLessThan(rowsBefore);
  expect(colsAfter).toBeLessThan(colsBefore);
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.keyboard.type("exit");
  await page.keyboard.press("Enter");
  await page.locator('.term-box[data-attach="closed"]').waitFor(WAIT);
});

test.skipIf(!hasChromium)("exec and delete with force from the page; the events timeline; the host panel", async () => {
  const web = (globalThis as { web?: string }).web!;
  await page.goto(`${d.tcpUrl}/ui#/containers/${web}`);
  await page.locator('button[data-action="exec"]').first().click();
  await page.locator("dialog input[name=command]").fill("echo from-exec; exit 4");
  await page.locator("dialog input[name=pid]").fill("ui-exec-1");
  await page.locator("dialog form button[type=submit]").click();
  await page.locator('tr[data-pid="ui-exec-1"][data-status="exited"]').filter({ hasText: "4" }).waitFor(WAIT);
  await page.locator('tr[data-pid="ui-exec-1"] button[data-action="logs"]').click();
  await page.locator("pre[data-logs]").filter({ hasText: "from-exec" }).waitFor(WAIT);

  await page.goto(`${d.tcpUrl}/ui#/`);
  // Start one from the page, as berth run does: a command in the shared busybox root, read-only.
  const formed = uid("form");
  await page.locator('button[data-action="create"]').click();
  await page.locator("dialog input[name=id]").fill(formed);
  await page.locator("dialog select[name=from]").selectOption("rootfs");
  await page.locator("dialog input[name=source]").fill(ensureRootfs());
  await page.locator("dialog input[name=command]").fill("sleep 1000");
  await page.locator("dialog input[name=readonly]").check();
  await page.locator("dialog input[name=labels]").fill("made=form");
  await page.locator("dialog form button[type=submit]").click();
  await row(formed, "running").filter({ hasText: "made=form" }).waitFor(WAIT);
  expect((await d.json<{ processes: { args: string[] }[] }>("GET", `/v1/containers/${formed}`)).body.processes[0]!.args).toEqual(["sleep", "1000"]);

  await row(web).locator('button[data-action="delete"]').click();
  expect(await page.locator("dialog input[name=force]").isChecked()).toBe(true);
  await page.locator("dialog form button[type=submit]").click();
  await row(web).waitFor({ state: "detached", ...WAIT });
  expect((await d.json("GET", `/v1/containers/${web}`)).status).toBe(404);

  await page.goto(`${d.tcpUrl}/ui#/events?after=0&id=${web}`);
  for (const type of ["start-container", "pause", "resume", "start-process", "exit"]) await page.locator(`tr[data-type="${type}"]`).first().waitFor(WAIT);
  await page.locator('tr[data-type="exit"]').filter({ hasText: "init" }).filter({ hasText: "137 (SIGKILL)" }).waitFor(WAIT);
  await shoot("dashboard-events.png");

  await page.goto(`${d.tcpUrl}/ui#/host`);
  await page.locator('[data-metric="events-written"] .value').filter({ hasText: /^\d+$/ }).waitFor(WAIT);
  expect(Number(await page.locator('[data-metric="cpus"] .value').innerText())).toBeGreaterThan(0);
  expect(await page.locator('[data-metric="rss"] .value').innerText()).toMatch(/^\d+\.\d MiB$/);
  await shoot("dashboard-host.png");
  expect(external).toEqual([]);
  expect(errors).toEqual([]);
});

test.skipIf(!hasChromium)("over a forwarded unix socket: no login; the timeline filters by since and id, and resumes with Last-Event-ID across a berthd restart", async () => {
  const forward = forwardToUnix(d.socket); // the socket's path stays when berthd restarts, as ssh -L's would
  const fresh = await browser.newContext();
  try {
    const p = await fresh.newPage();
    const id = uid("unix");
    await p.goto(`${forward.url}/ui`);
    await p.locator('.pill[data-stream="live"]').waitFor(WAIT);
    expect(await p.locator("#token").count()).toBe(0);
    const since = new Date().toISOString();
    await d.create(id, bundle(["sleep", "1000"]));
    await p.locator(`tr[data-id="${id}"][data-status="running"]`).waitFor(WAIT);

    await p.goto(`${forward.url}/ui#/events?since=${since}&id=${id}`);
    await p.locator('tr[data-type="start-container"]').waitFor(WAIT);
    await d.kill("SIGTERM");
    await p.locator('.pill[data-stream="reconnecting"]').waitFor(WAIT);
    await d.launch();
    await p.locator('.pill[data-stream="live"][title^="resumed after event"]').waitFor(WAIT);
    expect((await d.json("POST", `/v1/containers/${id}/processes`, { pid: "after-restart", args: ["true"] })).status).toBe(201);
    await p.locator('tr[data-type="exit"]').filter({ hasText: "after-restart" }).waitFor(WAIT);
    // Every event once: the stored ones were not sent again on resumption; only this container's.
    const seqs = await p.locator("tr[data-seq]").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.seq));
    expect(seqs).toHaveLength(3);
    expect(new Set(seqs).size).toBe(3);
    expect(await p.locator("tr[data-seq] a").allInnerTexts()).toEqual([id, id, id]);
  } finally {
    await fresh.close();
    forward.close();
  }
});
