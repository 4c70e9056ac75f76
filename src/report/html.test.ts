// report.html: a small recorded run rendered to one self-contained page with every chart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText } from "../scenario/load.js";
import { simulateRecorded, type RecordedRun } from "./outputs.js";
import { renderReportHtml } from "./html.js";

const SCENARIO = `# two tenants with EPC limits, one also limited in memory
kernel: v17
seed: 5
machine: { epc: 4MiB, cpus: 2 }
cgroups:
  /t: { cgroup.subtree_control: "+misc +memory" }
  /t/a: { misc.max: "sgx_epc 1048576" }
  /t/b: { misc.max: "sgx_epc 524288", memory.max: 512K }
processes:
  - name: alpha
    cgroup: /t/a
    program:
      enclave: { size: 4MiB, add: 2MiB, measure: false }
      access: { pattern: uniform, pages: 2MiB, count: 3000 }
  - name: beta
    cgroup: /t/b
    memory: 256KiB
    program:
      enclave: { size: 2MiB, add: 1MiB, measure: false }
      access: { pattern: sequential, pages: 1MiB, count: 3000 }
  - name: gamma
    program:
      steps:
        - create: { size: 64KiB }
        - addPages: { offset: 0, length: 4KiB }
        - addPages: { offset: 0, length: 4KiB }
events:
  - { at: 2ms, write: { path: /t/a/misc.max, value: "sgx_epc 524288" } }
`;

const MAINLINE = `kernel: mainline
machine: { epc: 2MiB, cpus: 1 }
processes:
  - name: solo
    program:
      enclave: { size: 1MiB, add: 512KiB }
      access: { pattern: uniform, pages: 512KiB, count: 500 }
`;

function record(text: string, label: string, sampleIntervalNs = 250_000): RecordedRun {
  const scenario = parseScenarioText(text, `${label}.yaml`);
  const { summary, recorder } = simulateRecorded(scenario, { sampleIntervalNs });
  return { label, scenario, scenarioText: text, summary, recorder };
}

const CHARTS = ["usage", "memory", "free", "paging", "timeline"];
/** the memory chart is drawn only when some cgroup uses the memory controller */
const CHARTS_WITHOUT_MEMORY = CHARTS.filter((c) => c !== "memory");

function charts(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<figure class="chart" data-chart="([a-z]+)"[^>]*>([\s\S]*?)<\/figure>/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

function assertOffline(html: string): void {
  const refs = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//gi)].map((m) => m[0]);
  assert.deepEqual(refs, [], "no resource is fetched from the network");
  assert.doesNotMatch(html, /<script\b|<link\b|<img\b|@import|url\(\s*["']?(?:https?:)?\/\//i);
  // not even a namespace URL: the page names no address at all
  assert.doesNotMatch(html, /:\/\//);
}

test("report.html: every chart as inline SVG, the tables, the scenario, nothing from the network", async () => {
  const run = record(SCENARIO, "small");
  const html = await renderReportHtml({ title: "epcsim: small", variants: [run] });
  const found = charts(html);
  assert.deepEqual([...found.keys()], CHARTS);
  for (const [name, body] of found) {
    assert.match(body, /<svg[^>]*>/, `${name} has an svg`);
    assert.match(body, /<path|<rect|<line/, `${name} has marks`);
  }
  assertOffline(html);
  for (const p of run.summary.processes) assert.ok(html.includes(`<td>${p.name}</td>`), `process ${p.name} in the table`);
  assert.ok(html.includes("# two tenants with EPC limits, one also limited in memory"), "the scenario text");
  assert.ok(html.includes("/t/a/misc.max"), "scenario text (escaped) and the file operations");
  // gamma's duplicate ADD_PAGES ends it with EBUSY: in the process table and as a timeline mark
  const gamma = run.summary.processes.find((p) => p.name === "gamma");
  assert.deepEqual(gamma?.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "EBUSY" });
  assert.ok(html.includes("SGX_IOC_ENCLAVE_ADD_PAGES: <b>EBUSY</b>"));
  assert.match(found.get("timeline") ?? "", /ADD_PAGES → EBUSY/);
  // the watermarks and the units
  assert.match(found.get("free") ?? "", /SGX_NR_LOW_PAGES = 32/);
  assert.match(found.get("free") ?? "", /SGX_NR_HIGH_PAGES = 64/);
  assert.match(found.get("usage") ?? "", /EPC \(MiB\)/);
  assert.match(found.get("paging") ?? "", /pages per second/);
  for (const k of ["EWB executions (retries included)", "pages written back", "ELDU (pages loaded back)", "fault retries", "memcg OOM kills", "sgx_epc charge failures"]) assert.ok(html.includes(k), k);
  // chart ids are per chart: no id appears twice on the page
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, "unique ids");
});

test("report.html is deterministic: two renders of the same recording are identical", async () => {
  const run = record(SCENARIO, "small");
  const [a, b] = await Promise.all([renderReportHtml({ title: "t", variants: [run] }), renderReportHtml({ title: "t", variants: [run] })]);
  assert.equal(a, b);
  assert.equal(await renderReportHtml({ title: "t", variants: [record(SCENARIO, "small")] }), a, "a second simulation renders the same bytes");
});

test("report.html: a mainline run (root cgroup only), a run with no samples, and several variants", async () => {
  const main = record(MAINLINE, "mainline");
  assert.deepEqual(main.recorder.cgroupPaths, ["/"]);
  const html = await renderReportHtml({ title: "mainline", variants: [main] });
  assert.deepEqual([...charts(html).keys()], CHARTS_WITHOUT_MEMORY);
  assert.ok(html.includes("<td>solo</td>"));

  const empty = record(MAINLINE, "empty");
  empty.recorder.rows.length = 0;
  const emptyHtml = await renderReportHtml({ title: "empty", variants: [empty] });
  assert.deepEqual([...charts(emptyHtml).keys()], CHARTS_WITHOUT_MEMORY);
  for (const body of charts(emptyHtml).values()) assert.match(body, /<svg/);

  const v17 = record(SCENARIO, "v17");
  const v5 = { ...record(SCENARIO.replace("kernel: v17", "kernel: v5"), "v5"), scenarioText: SCENARIO };
  const both = await renderReportHtml({ title: "compare", variants: [v17, v5] });
  const found = charts(both);
  assert.deepEqual([...found.keys()], CHARTS);
  for (const body of found.values()) assert.match(body, /<svg/);
  assert.match(found.get("usage") ?? "", />v17</);
  assert.match(found.get("usage") ?? "", />v5</);
  assert.equal(both.split("# two tenants with EPC limits").length - 1, 1, "an identical scenario is shown once");
  assert.match(both, /<th>v17<\/th><th>v5<\/th>/, "a column per variant");
  assertOffline(both);
});
