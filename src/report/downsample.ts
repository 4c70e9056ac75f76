// Downsampling a recorded time series for the charts: consecutive sampling intervals merged into
// buckets (at most MAX_POINTS per series), and flat stretches thinned to their ends (dropFlat).
import type { TimeSeriesRow } from "./recorder.js";

/**
 * Long runs are downsampled so that every chart stays small: at most this many points per series.
 * Consecutive sampling intervals are merged into buckets of k = ceil(rows / MAX_POINTS) rows; a
 * bucket shows the minimum of the free-page counter (dips under the watermarks stay visible), the
 * maximum of each cgroup's misc.current (peaks that reach the limit stay visible), the last misc.max,
 * and the rates over the whole bucket (sums of the counts divided by the bucket's duration, so the
 * area under the rate still equals the counters). 1000 points is more than one per pixel of the
 * 740-pixel plots. Then every series drops the inner points of its flat stretches (dropFlat), which
 * changes nothing drawn: a limit that never changes is two points, not a thousand.
 */
export const MAX_POINTS = 1000;

export interface CgroupBucket {
  miscMax: number;
  limit: number | null;
  memoryMax: number;
  memoryLimit: number | null;
  /** the highest EPC attributed to the cgroup by the simulator */
  attributedMax: number;
  /** per-cgroup paging counts summed over the bucket */
  paging: Record<string, number>;
}

/** a run of consecutive sampling intervals merged into one chart point */
export interface Bucket {
  startNs: number;
  endNs: number;
  freeMin: number;
  counts: Record<string, number>;
  cgroups: Map<string, CgroupBucket>;
}

/** merges consecutive rows into at most `maxPoints` buckets (see MAX_POINTS) */
export function downsample(rows: readonly TimeSeriesRow[], maxPoints = MAX_POINTS): { buckets: Bucket[]; rowsPerBucket: number } {
  const k = Math.max(1, Math.ceil(rows.length / maxPoints));
  const buckets: Bucket[] = [];
  let prevEnd = 0;
  for (let i = 0; i < rows.length; i += k) {
    const b: Bucket = { startNs: prevEnd, endNs: prevEnd, freeMin: Infinity, counts: {}, cgroups: new Map() };
    for (const r of rows.slice(i, i + k)) {
      b.endNs = r.timeNs;
      b.freeMin = Math.min(b.freeMin, r.freePages);
      for (const [c, n] of Object.entries(r.counts)) b.counts[c] = (b.counts[c] ?? 0) + n;
      for (const [path, s] of Object.entries(r.cgroups)) {
        const cur = b.cgroups.get(path);
        if (cur === undefined) b.cgroups.set(path, { miscMax: s.misc, limit: s.max, memoryMax: s.memory, memoryLimit: s.memoryMax, attributedMax: s.attributed, paging: { ...s.paging } });
        else {
          cur.miscMax = Math.max(cur.miscMax, s.misc);
          cur.limit = s.max;
          cur.memoryMax = Math.max(cur.memoryMax, s.memory);
          cur.memoryLimit = s.memoryMax;
          cur.attributedMax = Math.max(cur.attributedMax, s.attributed);
          for (const [c, n] of Object.entries(s.paging)) cur.paging[c] = (cur.paging[c] ?? 0) + n;
        }
      }
    }
    prevEnd = b.endNs;
    buckets.push(b);
  }
  return { buckets, rowsPerBucket: k };
}

/** keeps the first and last point of each run of equal values of `field` within each series (points in time order) */
export function dropFlat<T extends Record<string, unknown>>(values: readonly T[], series: (v: T) => string, field: string): T[] {
  const groups = new Map<string, number[]>();
  values.forEach((v, i) => {
    const k = series(v);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [i]);
    else g.push(i);
  });
  const keep = new Set<number>();
  for (const idx of groups.values()) {
    idx.forEach((i, j) => {
      const prev = j > 0 ? values[idx[j - 1] as number] : undefined;
      const next = j + 1 < idx.length ? values[idx[j + 1] as number] : undefined;
      const v = (values[i] as T)[field];
      if (prev === undefined || next === undefined || prev[field] !== v || next[field] !== v) keep.add(i);
    });
  }
  return values.filter((_, i) => keep.has(i));
}
