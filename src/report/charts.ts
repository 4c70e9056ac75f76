// The report's charts: vega-lite specs built from recorded runs, compiled to vega and rendered to
// SVG strings at build time (headless vega view, renderer "none"), so report.html needs no script.
//
// Every chart takes any number of variants (the runs `epcsim compare` overlays): the free-pages
// chart draws one line per variant in one plot; the others facet by variant (one row each, shared
// axes). Everything here is a pure function of the recordings: no clock, no randomness, and the SVG
// ids vega numbers globally are renumbered per chart, so the same input gives the same bytes.
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES } from "../kernel/sgx.js";
import type { ChartSource } from "./compact.js";
import type { RunRecording } from "./outputs.js";
import { causeLabel, explainCause } from "../engine/cause.js";
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
/** at most this many cgroups per variant on the usage chart (those of highest peak usage) */
export const MAX_USAGE_CGROUPS = 12;
/** at most this many processes per variant on the timeline; ones that ended badly are kept first */
export const MAX_TIMELINE_PROCESSES = 60;
/** at most this many failed-call marks per variant on the timeline (evenly thinned beyond) */
export const MAX_FAILURE_MARKS = 400;

const PAGE = 4096;
const MIB = 1024 * 1024;
const WIDTH = 740;

export type ChartName = "usage" | "memory" | "free" | "paging" | "cgroup-paging" | "timeline";

export interface RenderedChart {
  name: ChartName;
  title: string;
  /** what the chart shows and how the data was reduced, as plain text */
  caption: string;
  svg: string;
}

export interface TimeUnit {
  name: string;
  ns: number;
}

/** the unit the time axes use: µs for runs under 1 ms, s for runs over 10 s, else ms */
export function timeUnitFor(maxNs: number): TimeUnit {
  if (maxNs < 1_000_000) return { name: "µs", ns: 1_000 };
  if (maxNs > 10_000_000_000) return { name: "s", ns: 1_000_000_000 };
  return { name: "ms", ns: 1_000_000 };
}

interface CgroupBucket {
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

/** 3 significant decimals at most, so that the data (and aria labels) stay short */
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function reductionNote(runs: readonly RunRecording[]): string {
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

export function formatNs(ns: number): string {
  if (ns >= 1_000_000_000) return `${round3(ns / 1_000_000_000)} s`;
  if (ns >= 1_000_000) return `${round3(ns / 1_000_000)} ms`;
  if (ns >= 1_000) return `${round3(ns / 1_000)} µs`;
  return `${ns} ns`;
}

const BASE_CONFIG = {
  font: "sans-serif",
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#e8e8e8" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, orient: "right" },
  title: { fontSize: 14, anchor: "start" },
  header: { labelFontSize: 12, labelFontWeight: "bold", labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", title: null },
} as const;

/** wraps a layer spec so that several variants get one row each */
function facetOrSingle(runs: readonly RunRecording[], values: object[], layer: object[], height: number | { step: number }, title: object): TopLevelSpec {
  const inner = { width: WIDTH, height, layer };
  if (runs.length <= 1) return { data: { values }, title, ...inner, config: BASE_CONFIG } as unknown as TopLevelSpec;
  return {
    data: { values },
    title,
    facet: { row: { field: "variant", type: "nominal", sort: runs.map((r) => r.label), header: { title: null } } },
    spec: inner,
    resolve: { scale: { x: "shared", y: "shared" } },
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
}

interface Ctx {
  runs: readonly RunRecording[];
  unit: TimeUnit;
  /** the x domain: [0, the longest run] in the time unit */
  xMax: number;
  /** one colour per cgroup path and per variant label, the same in every chart of the report */
  colours: ReportColours;
}

const ALL_EPC = "all EPC in use (total − free)";
/** the whole EPC's series: dark grey, never a cgroup's colour */
const ALL_EPC_COLOUR = "#555555";
/** tableau10, then tableau20's lighter half: cgroups take them in order of first appearance */
const CGROUP_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2", "#72b7b2", "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac", "#9ecae9", "#ffbf79", "#88d27a", "#ff9d98", "#d6a5c9", "#79706e"];
/** variants (the runs of `compare`) in the free-pages chart: a palette apart from the cgroups' */
const VARIANT_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];
/** line dashes that keep coinciding series apart (variant i gets dash i) */
const DASHES = [[1, 0], [8, 3], [3, 3], [10, 3, 2, 3], [1, 3], [6, 2, 1, 2]];

export interface ReportColours {
  cgroup: Map<string, string>;
  variant: Map<string, string>;
}

/** the colour of each cgroup (by path, in order of first appearance over all runs) and of each variant */
export function reportColours(runs: readonly RunRecording[]): ReportColours {
  const cgroup = new Map<string, string>();
  for (const r of runs) for (const p of r.recorder.cgroupPaths) if (!cgroup.has(p)) cgroup.set(p, CGROUP_PALETTE[cgroup.size % CGROUP_PALETTE.length] as string);
  const variant = new Map<string, string>();
  runs.forEach((r, i) => variant.set(r.label, VARIANT_PALETTE[i % VARIANT_PALETTE.length] as string));
  return { cgroup, variant };
}

/** display name of a cgroup series: the path, the root marked */
const seriesName = (path: string): string => (path === "/" ? "/ (root)" : path);

/** a colour scale for series named by seriesName() (or the whole EPC) */
function seriesColourScale(ctx: Ctx, order: readonly string[]): { domain: string[]; range: string[] } {
  return {
    domain: [...order],
    range: order.map((s) => (s === ALL_EPC ? ALL_EPC_COLOUR : (ctx.colours.cgroup.get(s === "/ (root)" ? "/" : s) ?? ALL_EPC_COLOUR))),
  };
}

/**
 * stroke widths that narrow from the first series to the last: a series drawn over an equal one (a
 * parent whose only pages are its child's) leaves the wider one showing around it
 */
function widthScale(order: readonly string[]): { type: "ordinal"; domain: string[]; range: number[] } {
  const widths = [6.5, 4.8, 3.5, 2.5, 1.8];
  return { type: "ordinal", domain: [...order], range: order.map((_, i) => widths[i] ?? 1.4) };
}

function timeAxis(ctx: Ctx): object {
  return {
    field: "t",
    type: "quantitative",
    title: `simulated time (${ctx.unit.name})`,
    scale: { domain: [0, ctx.xMax], nice: false, zero: true },
  };
}

/** the lines of a per-cgroup chart: usage (solid), limit (dashed), and usage attributed by the simulator (dotted) */
type LineNames = readonly [usage: string, limit: string, attributed?: string];

/** one cgroup's points: its usage and its limit at each bucket (null where the cgroup did not exist) */
function pushCgroupSeries(
  values: Record<string, unknown>[],
  ctx: Ctx,
  variant: string,
  buckets: readonly Bucket[],
  path: string,
  series: string,
  lines: LineNames,
  usage: (c: CgroupBucket) => number,
  limit: (c: CgroupBucket) => number | null,
): void {
  for (const b of buckets) {
    const c = b.cgroups.get(path);
    const t = round3(b.endNs / ctx.unit.ns);
    if (c === undefined) {
      values.push({ variant, series, line: lines[0], t, mib: null });
      continue;
    }
    const l = limit(c);
    values.push({ variant, series, line: lines[0], t, mib: round3(usage(c) / MIB) });
    values.push({ variant, series, line: lines[1], t, mib: l === null ? null : round3(l / MIB) });
  }
}

/** a step chart of usage (solid) against limit (dashed) per series, one row per variant */
function usageLimitSpec(
  ctx: Ctx,
  values: Record<string, unknown>[],
  seriesOrder: readonly string[],
  lines: LineNames,
  yTitle: string,
  height: number,
  title: object,
): TopLevelSpec {
  return facetOrSingle(
    ctx.runs,
    dropFlat(values, (v) => `${v.variant}\0${v.series}\0${v.line}`, "mib"),
    [
      {
        transform: [{ calculate: "datum.series", as: "seriesWidth" }],
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x: timeAxis(ctx),
          y: { field: "mib", type: "quantitative", title: yTitle },
          color: { field: "series", type: "nominal", title: "cgroup", sort: seriesOrder, scale: seriesColourScale(ctx, seriesOrder) },
          strokeWidth: { field: "seriesWidth", type: "nominal", sort: seriesOrder, scale: widthScale(seriesOrder), legend: null },
          strokeDash: { field: "line", type: "nominal", title: "line", scale: dashScale(lines, values) },
        },
      },
    ],
    height,
    title,
  );
}

/** usage solid, limit dashed, attributed usage dotted; only the lines that some series draws */
function dashScale(lines: LineNames, values: readonly Record<string, unknown>[]): { domain: string[]; range: number[][] } {
  const present = new Set(values.map((v) => v.line));
  const dashes = [[1, 0], [6, 4], [2, 2]];
  const used = lines.map((l, i) => ({ l, d: dashes[i] as number[] })).filter((x) => x.l !== undefined && present.has(x.l));
  return { domain: used.map((x) => x.l as string), range: used.map((x) => x.d) };
}

const MISC_LINES: LineNames = ["usage (misc.current)", "limit (misc.max)", "EPC attributed by epcsim (mainline: no sgx_epc)"];
const MEMORY_LINES: LineNames = ["usage (memory.current)", "limit (memory.max)"];

// (a) EPC usage per cgroup against its limit
function usageSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
  const values: Record<string, unknown>[] = [];
  const notes: string[] = [];
  const seriesOrder: string[] = [];
  const addSeries = (s: string): void => {
    if (!seriesOrder.includes(s)) seriesOrder.push(s);
  };
  const ALL = ALL_EPC;
  for (const run of ctx.runs) {
    // mainline has no sgx_epc: the cgroups' EPC is the simulator's attribution, drawn dotted
    const attributed = run.summary.kernel === "mainline";
    const variant = run.label;
    const { buckets } = downsample(run.recorder.rows);
    const total = run.summary.epc.totalPages;
    // the whole EPC, whatever the kernel: in mainline the root's misc.current stays 0
    addSeries(ALL);
    for (const b of buckets) {
      const t = round3(b.endNs / ctx.unit.ns);
      values.push({ variant, series: ALL, line: MISC_LINES[0], t, mib: round3(((total - b.freeMin) * PAGE) / MIB) });
    }
    if (buckets.length > 0) {
      for (const t of [0, ctx.xMax]) values.push({ variant, series: ALL, line: MISC_LINES[1], t, mib: round3((total * PAGE) / MIB) });
    }
    const use = (c: CgroupBucket): number => (attributed ? c.attributedMax : c.miscMax);
    const peak = (path: string): number => buckets.reduce((m, b) => Math.max(m, b.cgroups.has(path) ? use(b.cgroups.get(path) as CgroupBucket) : 0), 0);
    // the root only where it counts (kernels with the EPC cgroup); the others by their peak usage
    const paths = run.recorder.cgroupPaths.filter((p) => p !== "/" || (!attributed && peak(p) > 0));
    const shown = new Set(
      paths
        .map((p, i) => ({ p, i, peak: peak(p) }))
        .sort((a, b) => b.peak - a.peak || a.i - b.i)
        .slice(0, MAX_USAGE_CGROUPS)
        .map((x) => x.p),
    );
    if (shown.size < paths.length) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}the ${shown.size} cgroups of highest peak usage of ${paths.length} are drawn`);
    for (const path of paths) {
      if (!shown.has(path)) continue;
      const name = seriesName(path);
      addSeries(name);
      const lines: LineNames = attributed ? [MISC_LINES[2] as string, MISC_LINES[1]] : [MISC_LINES[0], MISC_LINES[1]];
      pushCgroupSeries(values, ctx, variant, buckets, path, name, lines, use, (c) => c.limit);
    }
  }
  const anyAttributed = ctx.runs.some((r) => r.summary.kernel === "mainline");
  const spec = usageLimitSpec(ctx, values, seriesOrder, MISC_LINES, "EPC (MiB)", ctx.runs.length > 1 ? 200 : 260, {
    text: "EPC usage per cgroup against its limit",
    subtitle: anyAttributed
      ? "misc.current of sgx_epc (solid), misc.max (dashed); on mainline, which has no sgx_epc, the EPC epcsim attributes to each cgroup (dotted)"
      : "misc.current of sgx_epc (solid) and misc.max (dashed); the whole EPC against its size",
  });
  return {
    spec,
    caption: `EPC in use per cgroup (misc.current, at its highest within each point) and its misc.max limit; the top series is the whole EPC (total minus free pages) against the EPC size.${anyAttributed ? " Mainline has no sgx_epc resource: its cgroups' EPC is attributed by epcsim (the pages allocated for tasks in the cgroup), not read from a kernel file." : ""} ${notes.map((n) => `${n}. `).join("")}${reductionNote(ctx.runs)}`,
  };
}

/** cgroups (not the root) whose memory controller saw use or a limit: what the memory chart draws */
function memoryCgroups(run: RunRecording): string[] {
  const seen = new Set<string>();
  for (const r of run.recorder.rows) {
    for (const [path, s] of Object.entries(r.cgroups)) if (path !== "/" && (s.memory > 0 || s.memoryMax !== null)) seen.add(path);
  }
  return run.recorder.cgroupPaths.filter((p) => seen.has(p));
}

// (a') memory.current per cgroup against memory.max: the backing store of swapped-out EPC (and the
// processes' own memory), which the memcg OOM killer acts on; drawn only when a cgroup uses memcg
function memorySpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } | null {
  const values: Record<string, unknown>[] = [];
  const seriesOrder: string[] = [];
  const notes: string[] = [];
  for (const run of ctx.runs) {
    const variant = run.label;
    const { buckets } = downsample(run.recorder.rows);
    const paths = memoryCgroups(run);
    const shown = paths.slice(0, MAX_USAGE_CGROUPS);
    if (shown.length < paths.length) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}the first ${shown.length} of ${paths.length} cgroups are drawn`);
    for (const path of shown) {
      if (!seriesOrder.includes(path)) seriesOrder.push(path);
      pushCgroupSeries(values, ctx, variant, buckets, path, seriesName(path), MEMORY_LINES, (c) => c.memoryMax, (c) => c.memoryLimit);
    }
  }
  if (seriesOrder.length === 0) return null;
  const spec = usageLimitSpec(ctx, values, seriesOrder, MEMORY_LINES, "memory (MiB)", ctx.runs.length > 1 ? 160 : 200, {
    text: "Memory per cgroup against its limit",
    subtitle: "memory.current (solid): swapped-out EPC's backing store and the processes' own memory; memory.max (dashed)",
  });
  return {
    spec,
    caption: `memory.current per cgroup (at its highest within each point) and its memory.max: the shmem backing store of swapped-out EPC (contents and PCMD) is charged here, and a cgroup that cannot stay under memory.max without swap gets the memcg OOM killer. ${notes.map((n) => `${n}. `).join("")}${reductionNote(ctx.runs)}`,
  };
}

/** one colour, dash and width per variant, so that variants whose lines coincide stay apart */
function variantLines(ctx: Ctx): object {
  const labels = ctx.runs.map((r) => r.label);
  const legend = ctx.runs.length > 1 ? {} : null;
  return {
    color: { field: "variant", type: "nominal", title: "variant", sort: labels, scale: { domain: labels, range: labels.map((l) => ctx.colours.variant.get(l) as string) }, legend },
    strokeDash: { field: "variant", type: "nominal", title: "variant", sort: labels, scale: { domain: labels, range: labels.map((_, i) => DASHES[i % DASHES.length]) }, legend },
    strokeWidth: { field: "variantWidth", type: "nominal", sort: labels, scale: widthScale(labels), legend: null },
  };
}

// (b) free pages against ksgxd's watermarks
function freeSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
  let values: Record<string, unknown>[] = [];
  let maxTotal = 0;
  for (const run of ctx.runs) {
    maxTotal = Math.max(maxTotal, run.summary.epc.totalPages);
    for (const b of downsample(run.recorder.rows).buckets) values.push({ kind: "free", variant: run.label, t: round3(b.endNs / ctx.unit.ns), free: b.freeMin });
  }
  values = dropFlat(values, (v) => String(v.variant), "free");
  const marks = [
    { kind: "wm", free: SGX_NR_LOW_PAGES, label: `SGX_NR_LOW_PAGES = ${SGX_NR_LOW_PAGES}: ksgxd wakes below` },
    { kind: "wm", free: SGX_NR_HIGH_PAGES, label: `SGX_NR_HIGH_PAGES = ${SGX_NR_HIGH_PAGES}: ksgxd reclaims up to` },
  ];
  values.push(...marks);
  // a symlog axis: the watermarks (32, 64) and the EPC size (thousands of pages) in one plot
  const ticks = [0, 8, 32, 64];
  for (let v = 128; v <= maxTotal; v *= 4) ticks.push(v);
  const spec = {
    data: { values },
    width: WIDTH,
    height: 280,
    title: { text: "Free EPC pages against ksgxd's watermarks", subtitle: "sgx_nr_free_pages (lowest within each point), symmetric-log scale" },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'wm'" }],
        mark: { type: "rule", strokeDash: [5, 4], color: "#d62728", strokeWidth: 1.2 },
        encoding: { y: { field: "free", type: "quantitative" } },
      },
      {
        transform: [{ filter: "datum.kind === 'wm'" }],
        mark: { type: "text", align: "right", baseline: "bottom", dy: -2, color: "#d62728", fontSize: 10 },
        encoding: { y: { field: "free", type: "quantitative" }, x: { value: WIDTH - 4 }, text: { field: "label" } },
      },
      {
        transform: [{ filter: "datum.kind === 'free'" }, { calculate: "datum.variant", as: "variantWidth" }],
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x: timeAxis(ctx),
          y: {
            field: "free",
            type: "quantitative",
            title: "free pages (4 KiB)",
            scale: { type: "symlog", constant: 8, domain: [0, Math.max(64, maxTotal)], nice: false },
            axis: { values: ticks, tickCount: ticks.length, format: "d", labelOverlap: "greedy" },
          },
          ...variantLines(ctx),
        },
      },
    ],
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
  return {
    spec,
    caption: `The free-page counter ksgxd watches: below ${SGX_NR_LOW_PAGES} free pages an allocation wakes ksgxd, which reclaims until ${SGX_NR_HIGH_PAGES} are free. ${reductionNote(ctx.runs)}`,
  };
}

/** sampling intervals per chart point: downsample()'s rows per bucket times the samples merged into each row (compact.ts) */
function sampleRowsPerBucket(rec: ChartSource): number {
  return downsample(rec.rows).rowsPerBucket * (rec.samplesPerRow ?? 1);
}

/** buckets for rates: a last interval much shorter than the others (the run's end) joins the one before, so that a few pages in a few µs do not show as a spike */
function rateBuckets(rec: ChartSource): Bucket[] {
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

// (c) paging rate
function pagingSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
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
function cgroupPagingSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } | null {
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

const shortOp = (op: string): string => op.replace(/^SGX_IOC_(ENCLAVE_|VEPC_)?/, "");

const FAILURE_COLOURS = ["#ff7f0e", "#1f77b4", "#2ca02c", "#e377c2", "#17becf", "#bcbd22", "#8c564b", "#7f7f7f", "#aec7e8", "#ffbb78"];

/**
 * how a process ended, in a few words, named by its cause: "exit 0", "exit 137, SIGKILL (memcg OOM
 * kill)", "exit 135, SIGBUS (own charge refused: ENOMEM)", "exit 1: ADD_PAGES → ENOMEM (charge refused)".
 * "EPC OOM victim" only when the OOM path took the enclave of the running process, never for one
 * that had died of its own ENOMEM first.
 */
export function processOutcome(run: RunRecording, name: string): string {
  const p = run.summary.processes.find((x) => x.name === name);
  if (p === undefined) return "";
  if (p.startNs === null) return "never started";
  if (p.endNs === null || p.exitCode === null) return "still running at the end";
  let s = `exit ${p.exitCode}`;
  const c = p.cause;
  if (p.signal !== null) {
    const why = c === null || c.kind === "syscall" ? null : c.kind === "fault" ? `in a ${c.op}` : c.kind === "signal" ? "sent by the scenario" : causeLabel(c);
    s += `, ${p.signal}${why === null ? "" : ` (${why})`}`;
  }
  if (p.error !== null) s += `: ${shortOp(p.error.op)} → ${p.error.errno}${c?.kind === "charge-refused" ? " (charge refused)" : c?.kind === "no-free-epc" ? " (no free EPC)" : ""}`;
  return s;
}

const abnormal = (p: RunRecording["summary"]["processes"][number]): boolean => p.exitCode !== 0 || p.signal !== null || p.error !== null || p.failures.some((f) => !f.expected);

// (d) the process timeline
function timelineSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string; height: number } {
  const values: object[] = [];
  const categories: { name: string; colour: string; shape: string }[] = [];
  let failureColour = 0;
  const category = (name: string, kind: "failure" | "epc-oom" | "epc-oom-dead" | "memcg-oom" | "signal" | "refused"): string => {
    if (!categories.some((c) => c.name === name)) {
      const colour =
        kind === "epc-oom"
          ? "#8c1c13"
          : kind === "epc-oom-dead"
            ? "#bdbdbd"
            : kind === "memcg-oom"
              ? "#d62728"
              : kind === "signal"
                ? "#6a3d9a"
                : kind === "refused"
                  ? "#e6550d"
                  : (FAILURE_COLOURS[failureColour++ % FAILURE_COLOURS.length] as string);
      const shape = kind === "failure" ? "triangle-down" : kind === "signal" ? "square" : kind === "refused" ? "diamond" : kind === "epc-oom-dead" ? "circle" : "cross";
      categories.push({ name, colour, shape });
    }
    return name;
  };
  const notes: string[] = [];
  let maxRows = 0;
  for (const run of ctx.runs) {
    const variant = run.label;
    const procs = run.summary.processes;
    // keep the processes that ended badly first, then the others, shown in scenario order
    const keep = new Set([...procs.filter(abnormal), ...procs.filter((p) => !abnormal(p))].slice(0, MAX_TIMELINE_PROCESSES).map((p) => p.name));
    if (keep.size < procs.length) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}${procs.length - keep.size} of ${procs.length} processes are not drawn (those that failed or were killed are drawn first)`);
    maxRows = Math.max(maxRows, keep.size);
    const end = run.summary.simulatedNs;
    const t = (ns: number): number => round3(ns / ctx.unit.ns);
    for (const p of procs) {
      if (!keep.has(p.name) || p.startNs === null) continue;
      values.push({
        kind: "bar",
        variant,
        process: p.name,
        t: t(p.startNs),
        t2: t(p.endNs ?? end),
        outcome: processOutcome(run, p.name),
        bad: abnormal(p),
        description: `${p.name} in ${p.cgroup}: ${formatNs(p.startNs)} to ${p.endNs === null ? "the end" : formatNs(p.endNs)}; ${processOutcome(run, p.name)}`,
      });
      if (p.signal !== null && p.endNs !== null) {
        // hollow and drawn first: a cause at the same moment (a refused charge) shows inside it
        values.push({ kind: "end", variant, process: p.name, t: t(p.endNs), event: category(`ended by ${p.signal}`, "signal"), description: `${p.name}: ${processOutcome(run, p.name)} at ${formatNs(p.endNs)}` });
      }
    }
    const failures = procs.filter((p) => keep.has(p.name)).flatMap((p) => p.failures.map((f) => ({ p: p.name, f })));
    const stride = Math.max(1, Math.ceil(failures.length / MAX_FAILURE_MARKS));
    if (stride > 1) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}every ${stride}th of ${failures.length} failed calls is marked`);
    failures.forEach(({ p, f }, i) => {
      if (i % stride !== 0) return;
      const name = category(`${shortOp(f.op)} → ${f.errno}${f.expected ? " (expected)" : ""}`, "failure");
      values.push({ kind: "event", variant, process: p, t: t(f.atNs), event: name, description: `${p}: ${f.op} failed with ${f.errno} at ${formatNs(f.atNs)}${f.expected ? " (the scenario expected it)" : ""}` });
    });
    // each death marked at its cause: the OOM selection, the memcg kill, the refused charge
    for (const k of run.summary.oom) {
      if (!keep.has(k.victim)) continue;
      const dead = !k.kill;
      values.push({
        kind: "event",
        variant,
        process: k.victim,
        t: t(k.at),
        event: dead ? category("EPC OOM pick (already dead)", "epc-oom-dead") : category("EPC OOM victim", "epc-oom"),
        description: `EPC OOM in ${k.cgroup} chose ${k.victim}'s enclave at ${formatNs(k.at)}; trigger: ${k.trigger}${dead ? `; ${k.victim} had ${k.victimState === "exited" ? "already exited" : "already begun to exit"}, so this killed no one` : ""}`,
      });
    }
    for (const k of run.summary.memcgOomKills) {
      if (!keep.has(k.victim)) continue;
      values.push({ kind: "event", variant, process: k.victim, t: t(k.atNs), event: category("memcg OOM kill", "memcg-oom"), description: `memcg OOM killer in ${k.cgroup} killed ${k.victim} at ${formatNs(k.atNs)}; trigger: ${k.trigger}` });
    }
    for (const p of procs) {
      const c = p.cause;
      if (!keep.has(p.name) || c === null || (c.kind !== "charge-refused" && c.kind !== "no-free-epc")) continue;
      values.push({ kind: "event", variant, process: p.name, t: t(c.atNs), event: category(`${causeLabel(c)}`, "refused"), description: `${p.name}: ${explainCause(c)}, at ${formatNs(c.atNs)}` });
    }
  }
  const order = [...new Set(ctx.runs.flatMap((r) => r.summary.processes.map((p) => p.name)))];
  const STEP = maxRows <= 15 ? 30 : 24;
  const y = { field: "process", type: "nominal", title: "process", sort: order, scale: { paddingInner: 0.1 }, axis: { labelLimit: 200, labelOffset: 5 } };
  const layer = [
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: "bar", size: 10, cornerRadius: 2, yOffset: 5 },
      encoding: {
        x: timeAxis(ctx),
        x2: { field: "t2" },
        y,
        color: { condition: { test: "datum.bad", value: "#f4a582" }, value: "#92c5de" },
        description: { field: "description" },
      },
    },
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: "text", align: "left", baseline: "middle", dx: 2, yOffset: -6, fontSize: 10, color: "#333" },
      encoding: { x: { field: "t", type: "quantitative" }, y, text: { field: "outcome" } },
    },
    ...(["end", "event"] as const).map((kind) => ({
      transform: [{ filter: `datum.kind === '${kind}'` }],
      mark: kind === "end" ? { type: "point", filled: false, size: 150, strokeWidth: 2, opacity: 0.9, yOffset: 5 } : { type: "point", filled: true, size: 70, opacity: 0.9, yOffset: 5 },
      encoding: {
        x: { field: "t", type: "quantitative" },
        y,
        ...(categories.length === 0
          ? { color: { value: "#333" } }
          : {
              color: { field: "event", type: "nominal", title: "what happened", scale: { domain: categories.map((c) => c.name), range: categories.map((c) => c.colour) } },
              shape: { field: "event", type: "nominal", title: "what happened", scale: { domain: categories.map((c) => c.name), range: categories.map((c) => c.shape) } },
            }),
        description: { field: "description" },
      },
    })),
  ];
  const spec = facetOrSingle(ctx.runs, values, layer, { step: STEP }, {
    text: "Process timeline",
    subtitle: "one bar per process from start to exit (orange: failed or killed); marks at the causes: refused charges, OOM selections, kills",
  });
  const caption = `Each bar runs from the process's start to its exit, labelled with how it ended and why; marks show failed system calls (by call and errno), each death at its cause (the refused charge with the level that refused it, the EPC OOM selection, the memcg kill; an OOM pick of a process that had already died is marked apart and is not a kill) and the signals that ended processes.${notes.length > 0 ? ` ${notes.join("; ")}.` : ""}`;
  return { spec, caption, height: maxRows * STEP };
}

/** vega numbers clip paths and gradients globally; give each chart its own ids so that several SVGs on one page never collide and the same input always gives the same ids */
function renumberIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  return svg.replace(/\bid="([^"]+)"|url\(#([^)]+)\)|href="#([^"]+)"/g, (m, a: string | undefined, b: string | undefined, c: string | undefined) => {
    const old = (a ?? b ?? c) as string;
    let id = map.get(old);
    if (id === undefined) {
      id = `${prefix}-${map.size + 1}`;
      map.set(old, id);
    }
    if (a !== undefined) return `id="${id}"`;
    if (b !== undefined) return `url(#${id})`;
    return m.replace(`#${c}`, `#${id}`);
  });
}

/** static SVG has no tooltips; give every mark vega described (aria-label) a <title>, which browsers show on hover */
function addTitles(svg: string): string {
  return svg.replace(/<(path|rect|line)( [^>]*?aria-roledescription="(?:point|bar|rect|symbol)[^"]*"[^>]*?)\/>/g, (m, tag: string, attrs: string) => {
    const label = /aria-label="([^"]*)"/.exec(attrs)?.[1];
    return label === undefined ? m : `<${tag}${attrs}><title>${label}</title></${tag}>`;
  });
}

/**
 * SVG inline in HTML needs no namespace declarations (the HTML parser supplies them); dropping them
 * leaves the page without a single URL, so no check for network references has to special-case them
 */
function dropNamespaces(svg: string): string {
  return svg.replace(/ xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, "");
}

export async function renderSpec(spec: TopLevelSpec, name: string): Promise<string> {
  const vgSpec = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return addTitles(renumberIds(dropNamespaces(svg), `${name}-def`));
  } finally {
    view.finalize();
  }
}

export async function renderCharts(runs: readonly RunRecording[]): Promise<RenderedChart[]> {
  const maxNs = Math.max(1, ...runs.map((r) => Math.max(r.summary.simulatedNs, r.recorder.rows[r.recorder.rows.length - 1]?.timeNs ?? 0)));
  const unit = timeUnitFor(maxNs);
  const ctx: Ctx = { runs, unit, xMax: round3(maxNs / unit.ns), colours: reportColours(runs) };
  const out: RenderedChart[] = [];
  const usage = usageSpec(ctx);
  out.push({ name: "usage", title: "EPC usage per cgroup", caption: usage.caption, svg: await renderSpec(usage.spec, "usage") });
  const memory = memorySpec(ctx);
  if (memory !== null) out.push({ name: "memory", title: "Memory per cgroup", caption: memory.caption, svg: await renderSpec(memory.spec, "memory") });
  const free = freeSpec(ctx);
  out.push({ name: "free", title: "Free EPC pages", caption: free.caption, svg: await renderSpec(free.spec, "free") });
  const paging = pagingSpec(ctx);
  out.push({ name: "paging", title: "Paging rate", caption: paging.caption, svg: await renderSpec(paging.spec, "paging") });
  const cgroupPaging = cgroupPagingSpec(ctx);
  if (cgroupPaging !== null) out.push({ name: "cgroup-paging", title: "Paging rate per cgroup", caption: cgroupPaging.caption, svg: await renderSpec(cgroupPaging.spec, "cgroup-paging") });
  const timeline = timelineSpec(ctx);
  out.push({ name: "timeline", title: "Process timeline", caption: timeline.caption, svg: await renderSpec(timeline.spec, "timeline") });
  return out;
}
