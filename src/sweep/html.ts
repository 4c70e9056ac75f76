// sweep.html: one offline page for a sweep, with inline SVG charts drawn at build time by the same
// vega-lite and vega as report.html (report/svg.ts): each metric against the first axis with one
// line per value of the second, the seeds as a band (their min to max around the mean); a heatmap of
// the first two axes; then the results table. No scripts and nothing fetched (a CSP forbids it).
import type { TopLevelSpec } from "vega-lite";
import { renderSpec } from "../report/svg.js";
import { BASE_CONFIG, WIDTH } from "../report/chart-style.js";
import { escapeHtml, offlinePage } from "../report/html.js";
import type { Cell, Table } from "./table.js";


/** at most this many rows of the table on the page (sweep.csv has them all) */
const MAX_TABLE_ROWS = 1000;

const METRICS: { column: string; title: string; scale: number }[] = [
  { column: "simulated_ns", title: "simulated time (ms)", scale: 1e-6 },
  { column: "faults", title: "page faults", scale: 1 },
  { column: "pages_written_back", title: "pages written back (EWB)", scale: 1 },
  { column: "epc_oom_kills", title: "EPC OOM kills", scale: 1 },
];

/** an axis value as a number, when every value of the axis is one: 3, "2.5", or a limit "sgx_epc 2097152" (in MiB) */
function numeric(values: readonly string[]): number[] | null {
  const out: number[] = [];
  for (const v of values) {
    const m = /^(sgx_epc )?(-?\d+(?:\.\d+)?)$/.exec(v);
    if (m === null) return null;
    out.push(m[1] === undefined ? Number(m[2]) : Number(m[2]) / 1048576);
  }
  return out;
}

/** the x axis's title: a limit axis is drawn in MiB */
const axisTitle = (axis: string, data: readonly Point[]): string => (data.some((p) => p.x.startsWith("sgx_epc ")) && data.every((p) => p.xn !== null) ? `${axis} (MiB)` : axis);

interface Point {
  x: string;
  /** x as the heatmap labels it: a limit in MiB */
  xl: string;
  xn: number | null;
  series: string;
  y: number;
  lo: number;
  hi: number;
  n: number;
}

/** the metric per (x, series) over the rows that share them (seeds, and any further axis): mean, min, max */
function points(t: Table, xAxis: string, seriesAxis: string | null, metric: (typeof METRICS)[number]): Point[] {
  const col = (name: string): number => t.columns.findIndex((c) => c.name === name);
  const xi = col(xAxis);
  const si = seriesAxis === null ? -1 : col(seriesAxis);
  const mi = col(metric.column);
  const groups = new Map<string, { x: string; series: string; ys: number[] }>();
  for (const r of t.rows) {
    const y = r[mi];
    if (typeof y !== "number" || r[col("error")] !== null) continue;
    const x = String(r[xi] as Cell);
    const series = si < 0 ? "all" : String(r[si] as Cell);
    const key = JSON.stringify([x, series]);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { x, series, ys: [] }));
    g.ys.push(y * metric.scale);
  }
  const xs = [...new Set([...groups.values()].map((g) => g.x))];
  const xn = numeric(xs);
  return [...groups.values()].map((g) => ({
    x: g.x,
    xl: g.x.startsWith("sgx_epc ") && xn !== null ? `${xn[xs.indexOf(g.x)] as number} MiB` : g.x,
    xn: xn === null ? null : (xn[xs.indexOf(g.x)] as number),
    series: g.series,
    y: g.ys.reduce((a, b) => a + b, 0) / g.ys.length,
    lo: Math.min(...g.ys),
    hi: Math.max(...g.ys),
    n: g.ys.length,
  }));
}

function lineSpec(data: Point[], xAxis: string, seriesAxis: string | null, title: string, band: boolean): TopLevelSpec {
  const quantitative = data.every((p) => p.xn !== null);
  const x = quantitative ? { field: "xn", type: "quantitative", title: axisTitle(xAxis, data), scale: { zero: false } } : { field: "x", type: "ordinal", title: xAxis, sort: null };
  const color = { field: "series", type: "nominal", title: seriesAxis ?? "", sort: null, legend: seriesAxis === null ? null : {} };
  const layer: object[] = [];
  if (band) layer.push({ mark: { type: "area", opacity: 0.18 }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color } });
  layer.push({
    mark: { type: "line", point: true },
    encoding: {
      x,
      // an all-zero metric (no OOM kill anywhere) still gets an axis from 0 to 1
      y: { field: "y", type: "quantitative", title: band ? `${title}, mean` : title, axis: { format: "~s" }, ...(data.every((p) => p.hi === 0) ? { scale: { domain: [0, 1] } } : {}) },
      color,
      tooltip: [{ field: "x", title: xAxis }, { field: "series", title: seriesAxis ?? "series" }, { field: "y", title, format: ".4~g" }, { field: "n", title: "runs" }],
    },
  });
  return { data: { values: data }, width: WIDTH - 160, height: 220, title: { text: `${title} against ${xAxis}` }, layer, config: BASE_CONFIG } as unknown as TopLevelSpec;
}

function heatmapSpec(data: Point[], xAxis: string, yAxis: string, title: string): TopLevelSpec {
  return {
    data: { values: data },
    width: WIDTH - 200,
    height: { step: 28 },
    title: { text: `${title}: ${xAxis} × ${yAxis} (mean over the seeds)` },
    encoding: { x: { field: "xl", type: "ordinal", title: xAxis, sort: null, axis: { labelAngle: 0 } }, y: { field: "series", type: "ordinal", title: yAxis, sort: null } },
    layer: [
      { mark: "rect", encoding: { color: { field: "y", type: "quantitative", title, scale: { scheme: "viridis" } }, tooltip: [{ field: "y", title, format: ".4~g" }] } },
      { mark: { type: "text", fontSize: 10, color: "#fff" }, encoding: { text: { field: "y", type: "quantitative", format: ".3~g" } } },
    ],
    config: BASE_CONFIG,
  } as unknown as TopLevelSpec;
}

async function charts(t: Table): Promise<string[]> {
  const axes = t.axes.filter((a) => a !== "seed");
  const seeds = t.axes.includes("seed");
  const out: string[] = [];
  const xAxis = axes[0] ?? (seeds ? "seed" : null);
  if (xAxis === null || t.rows.length === 0) return out;
  const seriesAxis = axes[1] ?? null;
  for (const [i, m] of METRICS.entries()) {
    const data = points(t, xAxis, seriesAxis, m);
    const svg = await renderSpec(lineSpec(data, xAxis, seriesAxis, m.title, seeds && xAxis !== "seed"), `sweep-line-${i}`);
    const caption = `${m.title} against ${xAxis}${seriesAxis === null ? "" : `, one line per ${seriesAxis}`}${seeds && xAxis !== "seed" ? "; each point is the mean over the seeds, the band their min to max" : ""}${axes.length > 2 ? `; averaged over ${axes.slice(2).join(", ")}` : ""}.`;
    out.push(`<figure class="chart" data-chart="line-${m.column}">\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`);
  }
  if (seriesAxis !== null) {
    const m = METRICS[0] as (typeof METRICS)[number];
    const svg = await renderSpec(heatmapSpec(points(t, xAxis, seriesAxis, m), xAxis, seriesAxis, m.title), "sweep-heat");
    out.push(`<figure class="chart" data-chart="heatmap">\n${svg}\n</figure>`);
  }
  return out;
}

function table(t: Table): string {
  const shown = t.rows.slice(0, MAX_TABLE_ROWS);
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c.name)}</th>`).join("")}</tr>`;
  const body = shown.map((r) => `<tr>${r.map((c, i) => `<td${t.columns[i]?.type === "int" ? ' class="n"' : ""}>${c === null ? "" : escapeHtml(String(c))}</td>`).join("")}</tr>`).join("\n");
  const more = t.rows.length > shown.length ? `<p class="note">${t.rows.length - shown.length} more rows in sweep.csv.</p>` : "";
  return `<div class="wide"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table></div>${more}`;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 12px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d8dbe0; padding-bottom: 4px; }
p.sub, p.note { color: #555; }
figure.chart { background: #fff; border: 1px solid #d8dbe0; border-radius: 6px; margin: 16px 0; padding: 12px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; margin-top: 6px; color: #555; }
div.wide { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; margin: 8px 0; font-size: 12px; }
th, td { border: 1px solid #d8dbe0; padding: 2px 6px; text-align: left; white-space: nowrap; }
thead th { background: #eef0f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
`;

export async function renderSweepHtml(t: Table, title: string): Promise<string> {
  const figures = await charts(t);
  const errors = t.rows.filter((r) => r[t.columns.findIndex((c) => c.name === "error")] !== null).length;
  const sub = `${t.rows.length} variants over ${t.axes.length === 0 ? "no axis" : t.axes.join(", ")}${errors > 0 ? `; ${errors} could not be simulated (see the error column)` : ""}`;
  const body = `<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(sub)}</p>
<h2 id="charts">Charts</h2>
${figures.length === 0 ? '<p class="note">No variant to chart.</p>' : figures.join("\n")}
<h2 id="results">Results</h2>
${table(t)}`;
  return offlinePage(title, CSS, body);
}
