// The report page in a real browser: examples/cgroups-v17.yaml's report.html opened from file:// in
// headless Chromium (Debian's chromium package, driven by playwright-core). No console errors, no
// page errors, no network request but the file itself, every chart drawn; a full-page screenshot is
// saved as test-artifacts/report.png. A second test opens examples/three-pods.yaml's report and
// saves its per-cgroup paging chart as test-artifacts/cgroup-paging.png; a third opens the sweep.html of
// examples/sweeps/node-limits.yaml (test-artifacts/sweep.png). Without Chromium the tests are skipped, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadScenarioFile } from "../src/scenario/load.js";
import { simulateRecorded, writeRunOutputs } from "../src/report/outputs.js";
import { launchChromium, skipWithoutChromium } from "../src/testing/chromium.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

const skip = skipWithoutChromium;

/** runs examples/NAME with recording and writes its outputs (report.html among them) to a new directory */
async function recordExample(name: string): Promise<{ dir: string; summary: ReturnType<typeof simulateRecorded>["summary"] }> {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-browser-"));
  const example = join(root, "examples", name);
  const scenario = loadScenarioFile(example);
  const { summary, recorder } = simulateRecorded(scenario);
  await writeRunOutputs(dir, { label: name, scenario, scenarioText: readFileSync(example, "utf8"), summary, recorder });
  return { dir, summary };
}

const launch = launchChromium;

interface ChartCheck {
  name: string | null;
  svgs: number;
  drawnMarks: number;
}

test("report.html in headless Chromium: no errors, no network, every chart drawn, screenshot saved", { skip, timeout: 180_000 }, async () => {
  const { dir, summary } = await recordExample("cgroups-v17.yaml");
  const reportUrl = pathToFileURL(join(dir, "report.html")).href;
  const { context, userDataDir } = await launch();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    context.on("request", (r) => requests.push(r.url()));
    context.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));

    const response = await page.goto(reportUrl, { waitUntil: "load" });
    assert.ok(response === null || response.ok(), "the page loads");
    assert.equal(await page.title(), `epcsim: ${summary.scenario}`);

    const checks: ChartCheck[] = await page.$$eval("figure.chart", (figures) =>
      figures.map((f) => {
        const svgs = f.querySelectorAll("svg");
        let drawn = 0;
        for (const el of f.querySelectorAll("svg .role-mark path, svg .role-mark rect, svg .role-mark line")) {
          const box = el.getBoundingClientRect();
          const d = el.getAttribute("d");
          if ((box.width > 0 || box.height > 0) && (el.tagName !== "path" || (d !== null && d !== ""))) drawn++;
        }
        return { name: f.getAttribute("data-chart"), svgs: svgs.length, drawnMarks: drawn };
      }),
    );
    assert.deepEqual(
      checks.map((c) => c.name),
      ["usage", "memory", "free", "paging", "cgroup-paging", "timeline"],
    );
    for (const c of checks) {
      assert.equal(c.svgs, 1, `${c.name}: one svg`);
      assert.ok(c.drawnMarks > 0, `${c.name}: drawn marks (${c.drawnMarks})`);
    }
    // the process timeline draws a bar per process
    const bars = await page.$$eval('figure[data-chart="timeline"] svg .mark-rect.role-mark path', (els) => els.length);
    assert.equal(bars, summary.processes.length);

    const artifacts = join(root, "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });

    assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
    assert.deepEqual(requests, [reportUrl], "no request but the report itself");
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a three-cgroup report in Chromium: the per-cgroup paging chart draws each pod in its usage-chart colour; screenshot saved", { skip, timeout: 180_000 }, async () => {
  const { dir, summary } = await recordExample("three-pods.yaml");
  const { context, userDataDir } = await launch();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(join(dir, "report.html")).href, { waitUntil: "load" });
    // legend entries (label -> symbol colour) and the stroke colours of the drawn lines, per chart
    const legend = (chart: string): Promise<Record<string, string>> =>
      page.$$eval(`figure[data-chart="${chart}"] svg .role-legend-label text`, (texts) => {
        const out: Record<string, string> = {};
        for (const t of texts) {
          // an entry's symbol and label are siblings: <g><g.role-legend-symbol>..</g><g.role-legend-label><text>
          const sym = t.parentElement?.parentElement?.querySelector(".role-legend-symbol path");
          const stroke = sym?.getAttribute("stroke") ?? sym?.getAttribute("fill");
          if (t.textContent !== null && stroke) out[t.textContent] = stroke;
        }
        return out;
      });
    const usage = await legend("usage");
    const paging = await legend("cgroup-paging");
    const pods = ["/kubepods/pod-a", "/kubepods/pod-b", "/kubepods/pod-c"];
    for (const pod of pods) {
      assert.ok(usage[pod] !== undefined && paging[pod] !== undefined, `${pod} in both legends (${JSON.stringify({ usage, paging })})`);
      assert.equal(paging[pod], usage[pod], `${pod} has one colour in both charts`);
    }
    assert.equal(new Set(pods.map((p) => paging[p])).size, 3, "three pods, three colours");
    const strokes = await page.$$eval('figure[data-chart="cgroup-paging"] svg .mark-line.role-mark path', (els) => els.map((e) => e.getAttribute("stroke")));
    for (const pod of pods) assert.ok(strokes.includes(paging[pod] as string), `a line is drawn in ${pod}'s colour`);
    // the pod over its limit pages most (summary.json says so too)
    const c = summary.cgroups;
    assert.ok((c["/kubepods/pod-c"]?.paging.ewbPages as number) > (c["/kubepods/pod-b"]?.paging.ewbPages as number));
    assert.equal(c["/kubepods/pod-a"]?.paging.ewbPages, 0);
    const artifacts = join(root, "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    const figure = await page.$('figure[data-chart="cgroup-paging"]');
    assert.ok(figure !== null);
    await figure.screenshot({ path: join(artifacts, "cgroup-paging.png") });
    await page.screenshot({ path: join(artifacts, "report-three-pods.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sweep.html in Chromium: no errors, no request but the page, every chart drawn; screenshot saved", { skip, timeout: 180_000 }, async () => {
  const { loadGrid } = await import("../src/sweep/grid.js");
  const { expandGrid } = await import("../src/sweep/variants.js");
  const { runSweep } = await import("../src/sweep/sweep.js");
  const { inlineRunner } = await import("../src/testing/sweep-fixtures.js");
  const dir = mkdtempSync(join(tmpdir(), "epcsim-browser-sweep-"));
  const grid = loadGrid(join(root, "examples", "sweeps", "node-limits.yaml"));
  await runSweep(grid, expandGrid(grid), inlineRunner(), { dir, shard: null });
  const url = pathToFileURL(join(dir, "sweep.html")).href;
  const { context, userDataDir } = await launch();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("pageerror", (e) => problems.push(e.message));
    context.on("request", (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: "load" });
    const drawn = await page.$$eval("figure.chart", (figures) =>
      figures.map((f) => [f.getAttribute("data-chart"), [...f.querySelectorAll("svg .role-mark path, svg .role-mark rect")].filter((el) => el.getBoundingClientRect().width > 0).length] as const),
    );
    assert.deepEqual(
      drawn.map(([name]) => name),
      ["line-simulated_ns", "line-faults", "line-pages_written_back", "line-epc_oom_kills", "heatmap"],
    );
    for (const [name, marks] of drawn) assert.ok(marks > 0, `${name ?? ""}: drawn marks`);
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(root, "test-artifacts", "sweep.png"), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
