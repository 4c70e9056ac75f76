// The paging charts: EWB and ELDU per second over the whole EPC, and per cgroup (each with its
// descendants), as the simulator attributes them.
import type { TopLevelSpec } from "vega-lite";
import { dropFlat } from "./downsample.js";
import { facetOrSingle, seriesColourScale, seriesName, timeAxis, widthScale, type Ctx } from "./chart-style.js";
import { MAX_USAGE_CGROUPS } from "./chart-usage.js";
import { rateBuckets, reductionNote } from "./sampling.js";
import { round3 } from "./time-units.js";

// (c) paging rate
export function pagingSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
  let values: Record<string, unknown>[] = [];
  const OPS = [
    ["ewb", "EWB (written back)"],
    ["eldu", "ELDU (loaded back)"],
  ] as const;
  for (const run of ctx.runs) {
    for (const b of rateBuckets(run.recorder)) {
      const seconds = (b.endNs - b.startNs) / 1e9;
      if (seconds <= 0) continue;
      for (const [col, op] of OPS) {
        values.push({ variant: run.label, op, t: round3(b.endNs / ctx.unit.ns), rate: Math.round((b.counts[col] ?? 0) / seconds) });
      }
    }
  }
  values = dropFlat(values, (v) => `${v.variant}\0${v.op}`, "rate");
  const spec = facetOrSingle(
    ctx.runs,
    values,
    [
      {
        mark: { type: "line", strokeWidth: 1.5, interpolate: "step-before" },
        encoding: {
          x: timeAxis(ctx),
          y: { field: "rate", type: "quantitative", title: "pages per second", axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } },
          color: { field: "op", type: "nominal", title: "ENCLS leaf", scale: { domain: OPS.map(([, op]) => op), range: ["#e45756", "#4c78a8"] } },
        },
      },
    ],
    ctx.runs.length > 1 ? 160 : 220,
    { text: "Paging rate", subtitle: "EWB and ELDU per sampling interval, converted to pages per second" },
  );
  return { spec, caption: `Pages written back to the backing store (EWB) and loaded back (ELDU), per second of simulated time. ${reductionNote(ctx.runs)}` };
}

const CGROUP_PAGING_OPS = [
  ["ewb_pages", "written back (EWB)"],
  ["eldu", "loaded back (ELDU)"],
] as const;

// (c') paging rate per cgroup: who pages, attributed by the simulator
export function cgroupPagingSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } | null {
  let values: Record<string, unknown>[] = [];
  const seriesOrder: string[] = [];
  const notes: string[] = [];
  for (const run of ctx.runs) {
    const buckets = rateBuckets(run.recorder);
    const total = (path: string): number => buckets.reduce((n, b) => n + CGROUP_PAGING_OPS.reduce((m, [col]) => m + (b.cgroups.get(path)?.paging[col] ?? 0), 0), 0);
    const paths = run.recorder.cgroupPaths.filter((p) => p !== "/");
    const ranked = paths.map((p, i) => ({ p, i, n: total(p) })).sort((a, b) => b.n - a.n || a.i - b.i);
    const shown = new Set(ranked.slice(0, MAX_USAGE_CGROUPS).map((x) => x.p));
    if (shown.size < paths.length) notes.push(`${ctx.runs.length > 1 ? `${run.label}: ` : ""}the ${shown.size} cgroups that paged most of ${paths.length} are drawn`);
    for (const path of paths) {
      if (!shown.has(path)) continue;
      const series = seriesName(path);
      if (!seriesOrder.includes(series)) seriesOrder.push(series);
      for (const b of buckets) {
        const seconds = (b.endNs - b.startNs) / 1e9;
        const c = b.cgroups.get(path);
        if (seconds <= 0) continue;
        for (const [col, op] of CGROUP_PAGING_OPS) {
          values.push({ variant: run.label, series, op, t: round3(b.endNs / ctx.unit.ns), rate: c === undefined ? null : Math.round((c.paging[col] ?? 0) / seconds) });
        }
      }
    }
  }
  if (seriesOrder.length === 0) return null;
  values = dropFlat(values, (v) => `${v.variant}\0${v.series}\0${v.op}`, "rate");
  const ops = CGROUP_PAGING_OPS.map(([, op]) => op);
  const spec = facetOrSingle(
    ctx.runs,
    values,
    [
      {
        transform: [{ calculate: "datum.series", as: "seriesWidth" }],
        mark: { type: "line", interpolate: "step-before" },
        encoding: {
          x: timeAxis(ctx),
          y: { field: "rate", type: "quantitative", title: "pages per second", axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } },
          color: { field: "series", type: "nominal", title: "cgroup", sort: seriesOrder, scale: seriesColourScale(ctx, seriesOrder) },
          strokeWidth: { field: "seriesWidth", type: "nominal", sort: seriesOrder, scale: widthScale(seriesOrder), legend: null },
          strokeDash: { field: "op", type: "nominal", title: "pages", scale: { domain: ops, range: [[1, 0], [5, 3]] } },
        },
      },
    ],
    ctx.runs.length > 1 ? 160 : 220,
    {
      text: "Paging rate per cgroup",
      subtitle: "pages written back (solid) and loaded back (dashed) per second, each cgroup with its descendants; attributed by epcsim",
    },
  );
  return {
    spec,
    caption: `Pages of each cgroup written back to the backing store (EWB) and loaded back (ELDU), per second of simulated time; a cgroup counts its descendants, as misc.current does. No kernel file counts paging per cgroup: epcsim attributes each page to the cgroup it was charged to (on mainline, the cgroup of the task it was allocated for). ${notes.map((n) => `${n}. `).join("")}${reductionNote(ctx.runs)}`,
  };
}
