// docs/calibration.md: the Graphene PR #1640 workload at 1/64 of its size. Its figures in the
// table are what the simulator gives today, and its per-page time stands for the full 8 GB run
// the bench makes (the table's full-size row).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../src/scenario/load.js";
import { createSimulator } from "../src/programs/run.js";
import { compareWithGraphene, GRAPHENE_1640 } from "../src/report/calibration.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(join(root, "docs/calibration.md"), "utf8");
const num = (s: string): number => Number(s.replace(/,/g, ""));

test("the 1/64 Graphene run gives the figures docs/calibration.md shows", () => {
  const scenario = loadScenarioFile(join(root, "test/calibration/graphene-heap-1of64.yaml"));
  assert.equal(scenario.machine.sections.reduce((n, s) => n + s.size, 0) / 4096, Math.floor(23_936 / 64), "1/64 of the client EPC");
  const summary = createSimulator(scenario).run();
  assert.equal(summary.processes[0]?.exitCode, 0);
  const [wall, faults] = compareWithGraphene(summary, 64);
  assert.ok(wall !== undefined && faults !== undefined);
  const row1 = /\| 1\/64 \(tests\) \| wall time \| ([\d.]+) s \| ([\d.]+) s \| ([\d.]+) \| ±25%: \*\*(outside|within)\*\* \|/.exec(doc);
  const row2 = /\| \| minor faults \| ([\d,]+) \| ([\d,]+) \| ([\d.]+) \| ±5%: (outside|within) \|\n\nThe run at 1\/64/.exec(doc);
  assert.ok(row1 !== null && row2 !== null, "the table's 1/64 rows");
  assert.equal(row1[1], wall.measured.toFixed(3));
  assert.equal(row1[2], (summary.simulatedNs / 1e9).toFixed(3));
  assert.equal(row1[3], wall.ratio.toFixed(2));
  assert.equal(row1[4], wall.within ? "within" : "outside");
  assert.equal(num(row2[1] ?? ""), Math.round(GRAPHENE_1640.minorFaults / 64));
  assert.equal(num(row2[2] ?? ""), summary.counters.faults);
  assert.equal(row2[3], faults.ratio.toFixed(2));
  assert.equal(row2[4], faults.within ? "within" : "outside");
  // the per-page figures of both sizes, as the text gives them
  const perPage = /([\d.]+) µs of simulated time per page against ([\d.]+) µs at full size/.exec(doc);
  assert.ok(perPage !== null);
  assert.equal(perPage[1], (summary.simulatedNs / 32_768 / 1000).toFixed(2));
  const full = /\| 8 GiB \(bench, docs\) \| wall time \| 70\.91 s \| ([\d.]+) s \| ([\d.]+) \|/.exec(doc);
  assert.ok(full !== null);
  assert.equal(perPage[2], ((Number(full[1]) * 1e9) / GRAPHENE_1640.pages / 1000).toFixed(2), "the full row and the per-page text agree");
  // the scaled run stands for the full one: per page within 2% of the full run's time
  assert.ok(Math.abs(Number(perPage[1]) / Number(perPage[2]) - 1) < 0.02, `${perPage[1]} vs ${perPage[2]} µs per page`);
  // nothing in the client profile is fitted: the doc says so, and so do the costs
  assert.match(doc, /## Constants fitted: none/);
});
