// How a recording's samples become chart points: the sampling intervals in each point, the
// buckets the rate charts draw (the run's short last interval merged), and the captions' note on
// the reduction.
import type { ChartSource, RunRecording } from "./compact.js";
import { downsample, type Bucket } from "./downsample.js";
import { formatNs } from "./time-units.js";

/** sampling intervals per chart point: downsample()'s rows per bucket times the samples merged into each row (compact.ts) */
function sampleRowsPerBucket(rec: ChartSource): number {
  return downsample(rec.rows).rowsPerBucket * (rec.samplesPerRow ?? 1);
}

/** buckets for rates: a last interval much shorter than the others (the run's end) joins the one before, so that a few pages in a few µs do not show as a spike */
export function rateBuckets(rec: ChartSource): Bucket[] {
  const { buckets } = downsample(rec.rows);
  const last = buckets[buckets.length - 1];
  const prev = buckets[buckets.length - 2];
  if (last !== undefined && prev !== undefined && last.endNs - last.startNs < (rec.sampleIntervalNs * sampleRowsPerBucket(rec)) / 2) {
    prev.endNs = last.endNs;
    for (const [c, n] of Object.entries(last.counts)) prev.counts[c] = (prev.counts[c] ?? 0) + n;
    for (const [path, lc] of last.cgroups) {
      const pc = prev.cgroups.get(path);
      if (pc === undefined) prev.cgroups.set(path, lc);
      else for (const [c, n] of Object.entries(lc.paging)) pc.paging[c] = (pc.paging[c] ?? 0) + n;
    }
    buckets.pop();
  }
  return buckets;
}

export function reductionNote(runs: readonly RunRecording[]): string {
  const notes = runs.map((r) => {
    const n = r.recorder.samples ?? r.recorder.rows.length;
    const { buckets } = downsample(r.recorder.rows);
    const rowsPerBucket = sampleRowsPerBucket(r.recorder);
    const interval = r.recorder.sampleIntervalNs;
    const base = `${n} samples, one per ${formatNs(interval)}`;
    const text = rowsPerBucket > 1 ? `${base}, shown as ${buckets.length} points of ${rowsPerBucket} samples each` : base;
    return runs.length > 1 ? `${r.label}: ${text}` : text;
  });
  return `${notes.join("; ")}.`;
}
