// The files `--out DIR` writes for one run: summary.json, timeseries.csv, events.jsonl, trace.json
// and report.html, each written atomically.
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Simulator } from "../engine/sim.js";
import type { SimSummary } from "../engine/summary.js";
import type { Scenario } from "../scenario/types.js";
import { writeEventsJsonl } from "./events.js";
import { renderReportHtml } from "./html.js";
import { Recorder } from "./recorder.js";
import { formatTimeSeriesCsv } from "./timeseries.js";
import { writeTrace } from "./trace.js";

/** one simulated variant with what was recorded of it */
export interface RunRecording {
  /** how the variant is called in tables and legends ("v17", "policy.oomVictim=most-epc", a file name) */
  label: string;
  scenario: Scenario;
  /** the scenario file's text, shown in the report */
  scenarioText: string;
  summary: SimSummary;
  recorder: Recorder;
}

export interface RecordOptions {
  checkInvariants?: boolean;
  sampleIntervalNs?: number;
  onProgress?: (nowNs: number, events: number) => void;
}

/** simulates `scenario` watched only by a progress display (nothing recorded), or plainly when there is none */
export function simulateWithProgress(scenario: Scenario, options: RecordOptions = {}): SimSummary {
  const onProgress = options.onProgress;
  const observer =
    onProgress === undefined
      ? undefined
      : { sampleIntervalNs: Number.MAX_SAFE_INTEGER, sample: () => undefined, event: () => undefined, slice: () => undefined, progress: onProgress };
  return new Simulator(scenario, { checkInvariants: options.checkInvariants ?? false, ...(observer === undefined ? {} : { observer }) }).run();
}

/** simulates `scenario` with a recorder attached */
export function simulateRecorded(scenario: Scenario, options: RecordOptions = {}): { summary: SimSummary; recorder: Recorder } {
  const recorder = new Recorder(options.sampleIntervalNs === undefined ? {} : { sampleIntervalNs: options.sampleIntervalNs });
  if (options.onProgress !== undefined) recorder.onProgress = options.onProgress;
  const sim = new Simulator(scenario, { checkInvariants: options.checkInvariants ?? false, observer: recorder });
  recorder.attach(sim);
  return { summary: sim.run(), recorder };
}

/** write a file so that an interrupted run never leaves a half-written one under the real name */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** like writeFileAtomic, for files written in pieces (a recording of any length) */
export function writeStreamAtomic(path: string, produce: (write: (text: string) => void) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    produce((text) => {
      if (text.length > 0) writeSync(fd, text);
    });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export const RUN_OUTPUT_FILES = ["summary.json", "timeseries.csv", "events.jsonl", "trace.json", "report.html"] as const;

/** writes the run's files into `dir`; report.html last, so a whole report means whole data beside it */
export async function writeRunOutputs(dir: string, run: RunRecording): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // the whole set is written into a staging directory first and only then moved into place, file
  // by file (renames, no copying): a run that fails while writing leaves the earlier set untouched
  const staging = mkdtempSync(join(dir, ".epcsim-staging-"));
  try {
    writeFileSync(join(staging, "summary.json"), `${JSON.stringify(run.summary, null, 2)}\n`);
    writeFileSync(join(staging, "timeseries.csv"), formatTimeSeriesCsv(run.recorder));
    writeStreamAtomic(join(staging, "events.jsonl"), (write) => writeEventsJsonl(write, run.recorder));
    const meta = { scenario: run.summary.scenario, kernel: run.summary.kernel, seed: run.summary.seed };
    writeStreamAtomic(join(staging, "trace.json"), (write) => writeTrace(write, run.recorder, meta));
    writeFileSync(join(staging, "report.html"), await renderReportHtml({ title: `epcsim: ${run.summary.scenario}`, variants: [run] }));
    for (const f of RUN_OUTPUT_FILES) renameSync(join(staging, f), join(dir, f));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
