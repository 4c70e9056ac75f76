import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText } from "../scenario/load.js";
import { MAX_POINTS } from "./charts.js";
import { compactForReport, compactRows } from "./compact.js";
import { renderReportHtml } from "./html.js";
import { forReport, simulateRecorded, type RecordedRun } from "./outputs.js";
import { Recorder } from "./recorder.js";

// two limited cgroups, paging and the memory controller, with a limit lowered and raised mid-run
const SCENARIO = `
kernel: v17
seed: 5
machine: { epc: 4MiB, cpus: 2 }
cgroups:
  /a: { misc.max: "sgx_epc 1048576", memory.max: 16M }
  /b: { misc.max: "sgx_epc 2097152" }
processes:
  - name: a
    cgroup: /a
    program:
      enclave: { size: 4MiB, add: 2MiB, measure: false }
      access: { pattern: uniform, pages: 2MiB, count: 6000 }
  - name: b
    cgroup: /b
    start: 1ms
    program:
      enclave: { size: 4MiB, add: 3MiB, measure: false }
      access: { pattern: zipf, pages: 3MiB, count: 6000 }
events:
  - { at: 3ms, write: { path: /b/misc.max, value: "sgx_epc 524288" } }
  - { at: 6ms, write: { path: /b/misc.max, value: "max" } }
`;

function record(label: string, sampleIntervalNs: number, text = SCENARIO): RecordedRun {
  const scenario = parseScenarioText(text, `${label}.yaml`);
  return { label, scenario, scenarioText: text, ...simulateRecorded(scenario, { sampleIntervalNs }) };
}

test("the compact chart data draws the very report the whole recording draws, for one run and for several", async () => {
  // 2 µs samples: thousands of rows, merged several to a point; 1 ms: fewer rows than points
  for (const interval of [2_000, 1_000_000]) {
    const run = record("v17", interval);
    const v5 = record("v5", interval, SCENARIO.replace("kernel: v17", "kernel: v5"));
    if (interval === 2_000) assert.ok(run.recorder.rows.length > 3 * MAX_POINTS, `${run.recorder.rows.length} rows`);
    const full = await renderReportHtml({ title: "t", variants: [run] });
    assert.equal(await renderReportHtml({ title: "t", variants: [forReport(run)] }), full, `one run, ${interval} ns`);
    assert.equal(
      await renderReportHtml({ title: "t", variants: [forReport(run), forReport(v5)] }),
      await renderReportHtml({ title: "t", variants: [run, v5] }),
      `two variants, ${interval} ns`,
    );
  }
});

test("compact rows: at most MAX_POINTS, counts summed, usage at its highest, limits last, free pages at their lowest", () => {
  const run = record("v17", 2_000);
  const rows = run.recorder.rows;
  const { rows: merged, samplesPerRow } = compactRows(rows);
  assert.ok(merged.length <= MAX_POINTS && samplesPerRow > 1);
  const sum = (rs: typeof rows, c: string): number => rs.reduce((n, r) => n + (r.counts[c] ?? 0), 0);
  for (const c of Object.keys(rows[0]?.counts ?? {})) assert.equal(sum(merged, c), sum(rows, c), c);
  const first = rows.slice(0, samplesPerRow);
  assert.equal(merged[0]?.timeNs, first.at(-1)?.timeNs);
  assert.equal(merged[0]?.freePages, Math.min(...first.map((r) => r.freePages)));
  assert.equal(merged[0]?.cgroups["/a"]?.misc, Math.max(...first.map((r) => r.cgroups["/a"]?.misc ?? 0)));
  // the limit lowered at 3 ms: the point that holds 3 ms shows the limit of its last sample
  const i = merged.findIndex((r) => r.timeNs >= 3_000_000);
  const last = rows.filter((r) => r.timeNs <= (merged[i]?.timeNs ?? 0)).at(-1);
  assert.equal(merged[i]?.cgroups["/b"]?.max, last?.cgroups["/b"]?.max);
});

test("what a report keeps of a run refers to nothing of its Recorder", () => {
  const run = record("v17", 2_000);
  const kept = compactForReport(run.recorder);
  assert.ok(!(kept instanceof Recorder));
  assert.notEqual(kept.rows, run.recorder.rows);
  assert.notEqual(kept.cgroupPaths, run.recorder.cgroupPaths);
  assert.equal(kept.samples, run.recorder.rows.length);
  assert.ok(!("events" in kept) && !("slices" in kept));
});
