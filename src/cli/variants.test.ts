import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulate } from "../programs/run.js";
import { parseScenarioText } from "../scenario/load.js";
import { simulateRecorded, type RecordedRun } from "../report/outputs.js";
import { Recorder } from "../report/recorder.js";
import { OutputStaging } from "../report/staging.js";
import { runVariants, VariantOutputs, type VariantToRun } from "./variants.js";

const TEXT = `
machine: { epc: 2MiB, cpus: 2 }
processes:
  - name: p
    program:
      enclave: { size: 4MiB, add: 3MiB, measure: false }
      access: { pattern: uniform, pages: 3MiB, count: 3000 }
`;

const variants: VariantToRun[] = ["mainline", "v17", "v5", "v17"].map((kernel) => ({
  label: kernel,
  scenario: parseScenarioText(TEXT, "t.yaml", { set: { kernel } }),
  scenarioText: TEXT,
}));

/** every Recorder reachable from `root` */
function recordersIn(root: unknown): number {
  const seen = new Set<object>();
  let found = 0;
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Recorder) found++;
    for (const x of v instanceof Map ? [...v.values()] : Object.values(v)) walk(x);
  };
  walk(root);
  return found;
}

test("compare's pipeline holds one Recorder at a time: each variant is written and dropped before the next runs", async () => {
  const out = mkdtempSync(join(tmpdir(), "epcsim-variants-"));
  const staging = new OutputStaging(out);
  let held = 0;
  let most = 0;
  // counts the recordings made and the ones the pipeline has handed over (written, reduced to report data)
  class Counting extends VariantOutputs {
    override add(run: RecordedRun, name: string): ReturnType<VariantOutputs["add"]> {
      const kept = super.add(run, name);
      held--;
      return kept;
    }
  }
  const outputs = new Counting(staging);
  const summaries = runVariants(variants, outputs, {
    plain: () => assert.fail("with --out every variant is recorded"),
    recorded: (v) => {
      held++;
      most = Math.max(most, held);
      return simulateRecorded(v.scenario);
    },
  });
  assert.equal(most, 1, "never two recordings at once");
  assert.equal(held, 0);
  assert.equal(recordersIn(outputs), 0, "what is kept for the reports holds no Recorder");
  assert.equal(recordersIn(summaries), 0);
  assert.deepEqual(summaries.map((s) => s.kernel), ["mainline", "v17", "v5", "v17"]);
  for (const [i, v] of variants.entries()) assert.deepEqual(summaries[i], simulate(v.scenario), `${v.label}: the same run as on its own`);
  // each variant's data files are written as soon as it has run; report.html from the kept data after
  assert.deepEqual(readdirSync(staging.dir).sort(), ["mainline", "v17", "v17-4", "v5"]);
  assert.deepEqual(readdirSync(join(staging.dir, "v5")).sort(), ["events.jsonl", "summary.json", "timeseries.csv", "trace.json"]);
  await outputs.writeReports();
  assert.ok(readdirSync(join(staging.dir, "v5")).includes("report.html"));
  staging.commit();
  assert.deepEqual(readdirSync(out).sort(), ["mainline", "v17", "v17-4", "v5"]);
});

test("without --out nothing is recorded", () => {
  const outputs = new VariantOutputs(null);
  const summaries = runVariants(variants.slice(0, 2), outputs, { plain: (v) => simulate(v.scenario), recorded: () => assert.fail("nothing to record") });
  assert.equal(summaries.length, 2);
  assert.deepEqual(outputs.runs, []);
});
