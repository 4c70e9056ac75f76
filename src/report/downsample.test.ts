// Downsampling for the charts: the buckets keep the counts' sums and the extremes; dropFlat keeps the ends of flat stretches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { downsample, dropFlat, MAX_POINTS } from "./downsample.js";
import type { TimeSeriesRow } from "./recorder.js";

test("downsampling keeps at most MAX_POINTS buckets, the counts' sums and the extremes", () => {
  const rows: TimeSeriesRow[] = [];
  for (let i = 1; i <= 4321; i++) {
    rows.push({ timeNs: i * 1000, freePages: i === 2000 ? 3 : 100 + (i % 7), counts: { ewb: i % 5 }, cgroups: { "/": { misc: i === 3000 ? 99_999 : i, max: null, memory: 0, memoryMax: null, attributed: i, paging: { eldu: i % 3 } } } });
  }
  const { buckets, rowsPerBucket } = downsample(rows);
  assert.ok(buckets.length <= MAX_POINTS);
  assert.equal(rowsPerBucket, Math.ceil(4321 / MAX_POINTS));
  assert.equal(
    buckets.reduce((s, b) => s + (b.counts.ewb ?? 0), 0),
    rows.reduce((s, r) => s + (r.counts.ewb ?? 0), 0),
  );
  assert.equal(Math.min(...buckets.map((b) => b.freeMin)), 3);
  assert.equal(Math.max(...buckets.map((b) => b.cgroups.get("/")?.miscMax ?? 0)), 99_999);
  assert.equal(buckets[0]?.startNs, 0);
  assert.equal(buckets[buckets.length - 1]?.endNs, 4321 * 1000);
  assert.deepEqual(downsample([]).buckets, []);
  const pts = [1, 1, 1, 2, 2, 3, 3, 3, 3].map((v, t) => ({ s: "a", t, v }));
  assert.deepEqual(
    dropFlat(pts, (p) => p.s, "v").map((p) => p.t),
    [0, 2, 3, 4, 5, 8],
  );
});
