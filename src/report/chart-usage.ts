// The usage charts: EPC per cgroup against misc.max (with the whole EPC against its size), memory
// per cgroup against memory.max, and the free-page counter against ksgxd's watermarks.
import type { TopLevelSpec } from "vega-lite";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES } from "../kernel/sgx.js";
import type { RunRecording } from "./compact.js";
import { downsample, dropFlat, type Bucket, type CgroupBucket } from "./downsample.js";
import { ALL_EPC, BASE_CONFIG, facetOrSingle, seriesColourScale, seriesName, timeAxis, variantLines, widthScale, WIDTH, type Ctx } from "./chart-style.js";
import { reductionNote } from "./sampling.js";
import { round3 } from "./time-units.js";

/** at most this many cgroups per variant on the usage chart (those of highest peak usage) */
export const MAX_USAGE_CGROUPS = 12;

const PAGE = 4096;
const MIB = 1024 * 1024;

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
export function usageSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
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
export function memorySpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } | null {
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

// (b) free pages against ksgxd's watermarks
export function freeSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string } {
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
