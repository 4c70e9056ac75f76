// What every chart of the report shares: the plot width and vega-lite config, one row per variant
// (facetOrSingle), the chart context, the colours of cgroups and variants, and the width, dash and
// time-axis encodings.
import type { TopLevelSpec } from "vega-lite";
import type { RunRecording } from "./compact.js";
import type { TimeUnit } from "./time-units.js";

export const WIDTH = 740;

export const BASE_CONFIG = {
  font: "sans-serif",
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#e8e8e8" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, orient: "right" },
  title: { fontSize: 14, anchor: "start" },
  header: { labelFontSize: 12, labelFontWeight: "bold", labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", title: null },
} as const;

/** wraps a layer spec so that several variants get one row each */
export function facetOrSingle(runs: readonly RunRecording[], values: object[], layer: object[], height: number | { step: number }, title: object): TopLevelSpec {
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

export interface Ctx {
  runs: readonly RunRecording[];
  unit: TimeUnit;
  /** the x domain: [0, the longest run] in the time unit */
  xMax: number;
  /** one colour per cgroup path and per variant label, the same in every chart of the report */
  colours: ReportColours;
}

export const ALL_EPC = "all EPC in use (total − free)";
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
export const seriesName = (path: string): string => (path === "/" ? "/ (root)" : path);

/** a colour scale for series named by seriesName() (or the whole EPC) */
export function seriesColourScale(ctx: Ctx, order: readonly string[]): { domain: string[]; range: string[] } {
  return {
    domain: [...order],
    range: order.map((s) => (s === ALL_EPC ? ALL_EPC_COLOUR : (ctx.colours.cgroup.get(s === "/ (root)" ? "/" : s) ?? ALL_EPC_COLOUR))),
  };
}

/**
 * stroke widths that narrow from the first series to the last: a series drawn over an equal one (a
 * parent whose only pages are its child's) leaves the wider one showing around it
 */
export function widthScale(order: readonly string[]): { type: "ordinal"; domain: string[]; range: number[] } {
  const widths = [6.5, 4.8, 3.5, 2.5, 1.8];
  return { type: "ordinal", domain: [...order], range: order.map((_, i) => widths[i] ?? 1.4) };
}

export function timeAxis(ctx: Ctx): object {
  return {
    field: "t",
    type: "quantitative",
    title: `simulated time (${ctx.unit.name})`,
    scale: { domain: [0, ctx.xMax], nice: false, zero: true },
  };
}

/** one colour, dash and width per variant, so that variants whose lines coincide stay apart */
export function variantLines(ctx: Ctx): object {
  const labels = ctx.runs.map((r) => r.label);
  const legend = ctx.runs.length > 1 ? {} : null;
  return {
    color: { field: "variant", type: "nominal", title: "variant", sort: labels, scale: { domain: labels, range: labels.map((l) => ctx.colours.variant.get(l) as string) }, legend },
    strokeDash: { field: "variant", type: "nominal", title: "variant", sort: labels, scale: { domain: labels, range: labels.map((_, i) => DASHES[i % DASHES.length]) }, legend },
    strokeWidth: { field: "variantWidth", type: "nominal", sort: labels, scale: widthScale(labels), legend: null },
  };
}
