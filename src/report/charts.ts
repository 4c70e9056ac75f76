// The report's charts: vega-lite specs built from recorded runs, compiled to vega and rendered to
// SVG strings at build time (headless vega view, renderer "none"), so report.html needs no script.
//
// Every chart takes any number of variants (the runs `epcsim compare` overlays): the free-pages
// chart draws one line per variant in one plot; the others facet by variant (one row each, shared
// axes). Everything here is a pure function of the recordings: no clock, no randomness, and the SVG
// ids vega numbers globally are renumbered per chart, so the same input gives the same bytes.
//
// This file is the entry point: downsample.ts and sampling.ts reduce the data, chart-style.ts
// holds the shared look, chart-usage.ts, chart-paging.ts and chart-timeline.ts build the specs,
// and svg.ts renders them.
import type { RunRecording } from "./compact.js";
import { reportColours, type Ctx } from "./chart-style.js";
import { freeSpec, memorySpec, usageSpec } from "./chart-usage.js";
import { cgroupPagingSpec, pagingSpec } from "./chart-paging.js";
import { timelineSpec } from "./chart-timeline.js";
import { renderSpec } from "./svg.js";
import { round3, timeUnitFor } from "./time-units.js";

// re-exported for the modules that have always imported them from here
export { MAX_POINTS } from "./downsample.js";
export { formatNs } from "./time-units.js";
export { processOutcome } from "./chart-timeline.js";

export type ChartName = "usage" | "memory" | "free" | "paging" | "cgroup-paging" | "timeline";

export interface RenderedChart {
  name: ChartName;
  title: string;
  /** what the chart shows and how the data was reduced, as plain text */
  caption: string;
  svg: string;
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
