// What a report needs of a recording once the run's own files are written: the time series
// merged down to the points the charts draw (downsample.ts, MAX_POINTS), the cgroups seen, the
// sampling interval and what the caps left out. `epcsim compare` and `selftest` keep this per
// variant instead of the whole Recorder (events, slices, every sample), so they hold one
// recording at a time.
import type { SimSummary } from "../engine/summary.js";
import type { Scenario } from "../programs/types.js";
import { MAX_POINTS } from "./downsample.js";
import type { CgroupSample, TimeSeriesRow } from "./recorder.js";

/** the part of a recording that report.html reads; a Recorder is one, and so is compactForReport()'s result */
export interface ChartSource {
  readonly rows: readonly TimeSeriesRow[];
  readonly sampleIntervalNs: number;
  readonly cgroupPaths: readonly string[];
  readonly dropped: Readonly<Record<string, number>>;
  /** sampling intervals merged into each row (absent: 1, a Recorder's own rows) */
  readonly samplesPerRow?: number;
  /** sampling intervals recorded (absent: rows.length) */
  readonly samples?: number;
}

/** one simulated variant as a report shows it: its summary and its chart data */
export interface RunRecording {
  /** how the variant is called in tables and legends ("v17", "policy.oomVictim=most-epc", a file name) */
  label: string;
  scenario: Scenario;
  /** the scenario file's text, shown in the report */
  scenarioText: string;
  summary: SimSummary;
  /** the whole Recorder, or only what the charts draw of it (compactForReport) */
  recorder: ChartSource;
}

const samplesPerRow = (s: ChartSource): number => s.samplesPerRow ?? 1;
const samplesOf = (s: ChartSource): number => s.samples ?? s.rows.length;

/**
 * levels keep their highest value within a merged row, limits their last; anything else is a
 * per-interval count (or a record of counts, like `paging`) and adds up
 */
const HIGHEST = new Set(["misc", "memory", "attributed"]);
const LAST = new Set(["max", "memoryMax"]);

type Field = number | null | Record<string, number>;

function addCounts(into: Record<string, number>, add: Record<string, number>): void {
  for (const [k, n] of Object.entries(add)) into[k] = (into[k] ?? 0) + n;
}

function copySample(s: CgroupSample): CgroupSample {
  const out = { ...s } as unknown as Record<string, Field>;
  for (const [k, v] of Object.entries(out)) if (v !== null && typeof v === "object") out[k] = { ...v };
  return out as unknown as CgroupSample;
}

function mergeSample(into: CgroupSample, s: CgroupSample): void {
  const a = into as unknown as Record<string, Field>;
  for (const [k, v] of Object.entries(s) as [string, Field][]) {
    if (LAST.has(k)) a[k] = v;
    else if (HIGHEST.has(k)) a[k] = Math.max(a[k] as number, v as number);
    else if (v !== null && typeof v === "object") addCounts((a[k] ??= {}) as Record<string, number>, v);
    else a[k] = ((a[k] as number | undefined) ?? 0) + (v ?? 0);
  }
}

/**
 * Merges runs of k = ceil(rows / MAX_POINTS) consecutive rows into one, as downsample.ts's downsample()
 * merges them into a bucket (lowest free count, highest usage, last limit, summed counts), so the
 * charts drawn from the result are the very ones drawn from the whole series.
 */
export function compactRows(rows: readonly TimeSeriesRow[], maxPoints = MAX_POINTS): { rows: TimeSeriesRow[]; samplesPerRow: number } {
  const k = Math.max(1, Math.ceil(rows.length / maxPoints));
  if (k === 1) return { rows: [...rows], samplesPerRow: 1 };
  const out: TimeSeriesRow[] = [];
  for (let i = 0; i < rows.length; i += k) {
    const first = rows[i] as TimeSeriesRow;
    const m: TimeSeriesRow = { timeNs: first.timeNs, freePages: first.freePages, counts: {}, cgroups: {} };
    for (let j = i; j < Math.min(i + k, rows.length); j++) {
      const r = rows[j] as TimeSeriesRow;
      m.timeNs = r.timeNs;
      m.freePages = Math.min(m.freePages, r.freePages);
      for (const [c, n] of Object.entries(r.counts)) m.counts[c] = (m.counts[c] ?? 0) + n;
      for (const [path, s] of Object.entries(r.cgroups)) {
        const cur = m.cgroups[path];
        if (cur === undefined) m.cgroups[path] = copySample(s);
        else mergeSample(cur, s);
      }
    }
    out.push(m);
  }
  return { rows: out, samplesPerRow: k };
}

/** the chart data of a recording, detached from it (nothing here refers to the Recorder) */
export function compactForReport(rec: ChartSource): ChartSource {
  const { rows, samplesPerRow: k } = compactRows(rec.rows);
  return {
    rows,
    sampleIntervalNs: rec.sampleIntervalNs,
    cgroupPaths: [...rec.cgroupPaths],
    dropped: { ...rec.dropped },
    samplesPerRow: k * samplesPerRow(rec),
    samples: samplesOf(rec),
  };
}
