// The dashboard in a real browser: `epcsim serve`'s server on a free loopback port, headless
// Chromium (Debian's chromium, driven by playwright-core) opens the scenarios page, checks a broken
// scenario in the editor (the CLI's message beside its line), runs examples/quickstart.yaml from the
// list, waits for the live charts to fill and the run to finish, and checks the charts drew every
// sample, the timeline each process with its cause, the summary tables and the links to the files;
// then opens the result from the results page and finds the same charts, replayed from its files.
// No console errors, no page errors, no request to anywhere but the server. Screenshots go to
// test-artifacts/dashboard-*.png. Without Chromium the test is skipped, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildServer } from "../src/web/server.js";
import { launchChromium, skipWithoutChromium } from "../src/testing/chromium.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const workerUrl = new URL("../src/cli/serve-worker.js", import.meta.url);

test("the dashboard in headless Chromium: editor errors at their line, a live run's charts fill and the run finishes, no console errors, screenshots saved", { skip: skipWithoutChromium, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-dashboard-"));
  copyFileSync(join(root, "examples", "quickstart.yaml"), join(dir, "quickstart.yaml"));
  writeFileSync(join(dir, "grid.yaml"), "base: quickstart.yaml\naxes:\n  - path: kernel\n    values: [mainline, v17]\n");
  const { app } = await buildServer({ dir, jobs: 1, workerUrl });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  const { context, userDataDir } = await launchChromium();
  const artifacts = join(root, "test-artifacts");
  mkdirSync(artifacts, { recursive: true });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    context.on("request", (r) => {
      if (!r.url().startsWith(`${base}/`)) elsewhere.push(r.url());
    });
    context.on("requestfailed", (r) => {
      // the page closes a finished job's stream itself
      if (!(r.url().endsWith("/stream") && r.failure()?.errorText === "net::ERR_ABORTED")) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`);
    });

    await page.goto(`${base}/`);
    await page.waitForSelector('button.run[data-file="quickstart.yaml"]');

    // the editor: a broken scenario gets the CLI's message beside line 3
    await page.fill("#name", "broken.yaml");
    await page.fill("#text", "kernel: mainline\nseed: 1\nmachine: { cpus: zero }\nprocesses: []\n");
    await page.click("#validate");
    const problem = await page.waitForSelector(".problems .problem.err");
    assert.equal(await problem.getAttribute("data-line"), "3");
    assert.match((await problem.textContent()) ?? "", /uploads\/broken\.yaml:3:\d+: machine\.cpus: /);
    assert.match((await page.textContent("#gutter .err")) ?? "", /^3 /);
    await page.screenshot({ path: join(artifacts, "dashboard-scenarios.png"), fullPage: true });

    // a run from the list: live charts, then the results
    await page.click('button.run[data-file="quickstart.yaml"]');
    await page.waitForURL(/\/run\.html\?job=/);
    // (page functions as strings: this file is compiled without the DOM's types)
    await page.waitForFunction(`[...document.querySelectorAll("figure.chart")].length === 4 && [...document.querySelectorAll("figure.chart")].every((f) => Number(f.dataset.points ?? 0) > 0)`, undefined, { timeout: 120_000 });
    await page.waitForSelector("body[data-finished=yes]", { timeout: 120_000 });
    // the last samples drawn too
    await page.waitForFunction("!state.charts.dirty");
    await page.waitForTimeout(400);
    assert.equal(await page.textContent("#status"), "done");

    const dirRel = (await page.evaluate("state.dir")) as string;
    const samples = readFileSync(join(dir, dirRel, "timeseries.csv"), "utf8").trim().split("\n").length - 1;
    const points = await page.$$eval("figure.chart", (fs) => Object.fromEntries(fs.map((f) => [f.getAttribute("data-chart"), Number(f.getAttribute("data-points"))])));
    assert.equal(points.free, samples, "the free-pages chart drew every sample of timeseries.csv");
    assert.equal(points.timeline, 3, "a bar per process");
    const drawn = await page.$$eval('figure[data-chart="usage"] svg .role-mark path', (ps) => ps.filter((p) => (p.getAttribute("d") ?? "") !== "").length);
    assert.ok(drawn > 0, "the usage chart drew lines");
    const timelineText = await page.$$eval('figure[data-chart="timeline"] svg text', (ts) => ts.map((t) => t.textContent).join("\n"));
    assert.match(timelineText, /exit 143 SIGTERM — sent SIGTERM/);
    // the summary tables and the files
    assert.match((await page.textContent("#result")) ?? "", /build-and-scan\[1\].*143.*SIGTERM.*sent SIGTERM — the scenario sent SIGTERM/s);
    const links = await page.$$eval("#result ul.files a", (as) => as.map((a) => a.textContent));
    assert.deepEqual(links, ["report.html", "summary.json", "timeseries.csv", "events.jsonl", "trace.json"]);
    assert.equal(await page.getAttribute('#result a[download="trace.json"]', "href"), `/files/${dirRel.split("/").map(encodeURIComponent).join("/")}/trace.json`);
    await page.screenshot({ path: join(artifacts, "dashboard-run.png"), fullPage: true });
    await (await page.$("#live"))?.screenshot({ path: join(artifacts, "dashboard-charts.png") });

    // the result, opened later from the results page, is replayed from its files into the same charts
    const liveLines = await page.$$eval("figure.chart svg .mark-line.role-mark path", (ps) => ps.map((p) => p.getAttribute("d")));
    assert.ok(liveLines.length >= 3);
    await page.goto(`${base}/results.html`);
    await page.click(`a[href="/run.html?dir=${encodeURIComponent(dirRel)}"]`);
    await page.waitForSelector("body[data-finished=yes]", { timeout: 60_000 });
    await page.waitForFunction("!state.charts.dirty");
    await page.waitForTimeout(400);
    const replayed = await page.$$eval("figure.chart", (fs) => Object.fromEntries(fs.map((f) => [f.getAttribute("data-chart"), Number(f.getAttribute("data-points"))])));
    assert.deepEqual(replayed, points);
    assert.deepEqual(await page.$$eval("figure.chart svg .mark-line.role-mark path", (ps) => ps.map((p) => p.getAttribute("d"))), liveLines, "the same lines drawn");
    await page.screenshot({ path: join(artifacts, "dashboard-result.png"), fullPage: true });

    // a sweep started from the Compare and sweep page fills a row per variant and links its files
    await page.goto(`${base}/compare.html`);
    await page.waitForSelector('#grid option[value="grid.yaml"]', { state: "attached" });
    await page.selectOption("#grid", "grid.yaml");
    await page.click("#sweep-form button[type=submit]");
    await page.waitForURL(/\/run\.html\?job=/);
    await page.waitForSelector("body[data-finished=yes]", { timeout: 120_000 });
    const sweepRows = await page.$$eval("#variants table.sweep tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    assert.deepEqual(sweepRows.map((r) => [r[1], r[2]]), [["mainline", "done"], ["v17", "done"]]);
    assert.ok(await page.$('#result a[href$="/sweep.html"]'), "a link to sweep.html");
    await page.screenshot({ path: join(artifacts, "dashboard-sweep.png"), fullPage: true });

    assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
    assert.deepEqual(elsewhere, [], "no request but to the dashboard's server");
  } finally {
    await context.close();
    await app.close();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
