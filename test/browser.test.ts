// The report page in a real browser: examples/cgroups-v17.yaml's report.html opened from file:// in
// headless Chromium (Debian's chromium package, driven by playwright-core). No console errors, no
// page errors, no network request but the file itself, every chart drawn; a full-page screenshot is
// saved as test-artifacts/report.png. Without Chromium the test is skipped, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadScenarioFile } from "../src/scenario/load.js";
import { simulateRecorded, writeRunOutputs } from "../src/report/outputs.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** CHROMIUM_PATH when set (and then only it), else Debian's /usr/bin/chromium */
function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : null;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
}

const chromiumPath = findChromium();
const skip =
  chromiumPath !== null
    ? false
    : process.env.CHROMIUM_PATH
      ? `browser test skipped because Chromium is not installed at CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`
      : "browser test skipped because Chromium is not installed (no /usr/bin/chromium; .ci/run installs it, or set CHROMIUM_PATH)";

interface ChartCheck {
  name: string | null;
  svgs: number;
  drawnMarks: number;
}

test("report.html in headless Chromium: no errors, no network, every chart drawn, screenshot saved", { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "epcsim-browser-"));
  const example = join(root, "examples", "cgroups-v17.yaml");
  const scenario = loadScenarioFile(example);
  const { summary, recorder } = simulateRecorded(scenario);
  await writeRunOutputs(dir, { label: "cgroups-v17.yaml", scenario, scenarioText: readFileSync(example, "utf8"), summary, recorder });
  const reportUrl = pathToFileURL(join(dir, "report.html")).href;

  const userDataDir = mkdtempSync(join(tmpdir(), "epcsim-chromium-"));
  const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath as string, args, viewport: { width: 1200, height: 900 } });
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
      ["usage", "memory", "free", "paging", "timeline"],
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
