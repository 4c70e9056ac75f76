// The files `--out DIR` writes for one run: summary.json, timeseries.csv, events.jsonl, trace.json
// and report.html; for compare and selftest one such set per variant or phase in a subdirectory.
// Everything is written under a staging directory and moved into place at the end (staging.ts).
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { compactForReport, type RunRecording } from "./compact.js";
import { createSimulator } from "../programs/run.js";
import type { SimSummary } from "../engine/summary.js";
import type { Scenario } from "../programs/types.js";
import { writeEventsJsonl } from "./events.js";
import { renderReportHtml } from "./html.js";
import { Recorder } from "./recorder.js";
import { formatTimeSeriesCsv } from "./timeseries.js";
import { OutputStaging } from "./staging.js";
import { writeTrace } from "./trace.js";

// RunRecording lives beside ChartSource (compact.ts), so that the charts need not import this file
export type { RunRecording };

/** a variant with everything recorded of it, for its own files */
export interface RecordedRun extends RunRecording {
  recorder: Recorder;
}

/** the run as a report needs it, holding nothing of its Recorder: what compare and selftest keep per variant */
export function forReport(run: RecordedRun): RunRecording {
  return { label: run.label, scenario: run.scenario, scenarioText: run.scenarioText, summary: run.summary, recorder: compactForReport(run.recorder) };
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
  return createSimulator(scenario, { checkInvariants: options.checkInvariants ?? false, ...(observer === undefined ? {} : { observer }) }).run();
}

/** simulates `scenario` with a recorder attached */
export function simulateRecorded(scenario: Scenario, options: RecordOptions = {}): { summary: SimSummary; recorder: Recorder } {
  const recorder = new Recorder(options.sampleIntervalNs === undefined ? {} : { sampleIntervalNs: options.sampleIntervalNs });
  if (options.onProgress !== undefined) recorder.onProgress = options.onProgress;
  const sim = createSimulator(scenario, { checkInvariants: options.checkInvariants ?? false, observer: recorder });
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

/** a run's files but report.html (the recording's data), into `dir` */
export function writeRunData(dir: string, run: RecordedRun): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(run.summary, null, 2)}\n`);
  writeFileSync(join(dir, "timeseries.csv"), formatTimeSeriesCsv(run.recorder));
  writeStreamAtomic(join(dir, "events.jsonl"), (write) => writeEventsJsonl(write, run.recorder));
  const meta = { scenario: run.summary.scenario, kernel: run.summary.kernel, seed: run.summary.seed };
  writeStreamAtomic(join(dir, "trace.json"), (write) => writeTrace(write, run.recorder, meta));
}

/** a run's report.html, into `dir`; the chart data may be the compact kind (the page is the same) */
export async function writeRunReport(dir: string, run: RunRecording): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "report.html"), await renderReportHtml({ title: `epcsim: ${run.summary.scenario}`, variants: [run] }));
}

/** writes the run's files into `dir`, staged: a run that fails while writing leaves the earlier set untouched */
export async function writeRunOutputs(dir: string, run: RecordedRun): Promise<void> {
  const staging = new OutputStaging(dir);
  try {
    writeRunData(staging.dir, run);
    await writeRunReport(staging.dir, run);
    staging.commit();
  } finally {
    staging.discard();
  }
}
