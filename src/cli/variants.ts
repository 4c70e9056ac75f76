// compare and selftest run their variants (phases) one after another. Each one's own files go into
// its directory under the staging directory as soon as it has run, and only its summary and chart
// data (forReport) are kept for the reports: one Recorder is held at a time, not one per variant.
import { join } from "node:path";
import type { SimSummary } from "../engine/summary.js";
import { collectGarbage } from "./collect-garbage.js";
import { forReport, writeRunData, writeRunReport, type RecordedRun, type RunRecording } from "../report/outputs.js";
import type { OutputStaging } from "../report/staging.js";
import type { Recorder } from "../report/recorder.js";
import type { Scenario } from "../scenario/types.js";

/** a directory name for a variant label */
export function slug(label: string): string {
  return label.replace(/[^A-Za-z0-9._=-]+/g, "_").replace(/^_+|_+$/g, "") || "variant";
}

export class VariantOutputs {
  /** what is kept of each variant, in order; `dir` is its directory under the staging directory */
  private readonly kept: { dir: string | null; run: RunRecording }[] = [];
  private readonly used = new Set<string>();

  /** `staging` null: nothing is written (no --out), only the report data is kept */
  constructor(private readonly staging: OutputStaging | null) {}

  /**
   * A variant has run: its data files are written now, into `name` (made unique), and what the
   * reports need of it is kept. The caller drops `run` (and its Recorder) afterwards.
   */
  add(run: RecordedRun, name: string): RunRecording {
    let dir: string | null = null;
    if (this.staging !== null) {
      dir = this.used.has(name) ? `${name}-${this.kept.length + 1}` : name;
      this.used.add(dir);
      writeRunData(join(this.staging.dir, dir), run);
    }
    const kept = forReport(run);
    this.kept.push({ dir, run: kept });
    return kept;
  }

  /** call before recording the next variant: the previous one's recording is garbage now, collect it before the next grows the heap */
  beforeNext(): void {
    if (this.kept.length > 0) collectGarbage();
  }

  /** whether variants' files are written (there is an --out directory) */
  get writing(): boolean {
    return this.staging !== null;
  }

  get runs(): RunRecording[] {
    return this.kept.map((k) => k.run);
  }

  /** each variant's report.html beside its data, drawn from what was kept */
  async writeReports(): Promise<void> {
    if (this.staging === null) return;
    for (const k of this.kept) if (k.dir !== null) await writeRunReport(join(this.staging.dir, k.dir), k.run);
  }
}

export interface VariantToRun {
  label: string;
  scenario: Scenario;
  scenarioText: string;
  /** the --set overrides it was loaded with (compare), so that a refusal names the argument */
  set?: Record<string, string>;
}

/** how one variant is simulated: plainly (nothing recorded), or with a Recorder attached */
export interface VariantSimulator {
  plain(v: VariantToRun): SimSummary;
  recorded(v: VariantToRun): { summary: SimSummary; recorder: Recorder };
}

/**
 * Simulates the variants one after another. With `outputs` writing (--out), each one is recorded,
 * handed to `outputs` (its files written, its chart data kept) and dropped before the next one runs;
 * without, nothing is recorded at all. Returns the summaries in order.
 */
export function runVariants(variants: readonly VariantToRun[], outputs: VariantOutputs, simulate: VariantSimulator): SimSummary[] {
  return variants.map((v) => {
    if (!outputs.writing) return simulate.plain(v);
    outputs.beforeNext();
    const { summary, recorder } = simulate.recorded(v);
    outputs.add({ ...v, summary, recorder }, slug(v.label));
    return summary;
  });
}
