// A finished result's stream, rebuilt from its files: timeseries.csv back into the rows the
// Recorder kept, events.jsonl's objects, summary.json (and comparison.json for a comparison), as the
// messages a live job streamed, so the run page draws a past result with the same charts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import type { SimEvent } from "../engine/observer.js";
import type { SimSummary } from "../engine/summary.js";
import { explainCause } from "../engine/cause.js";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES } from "../kernel/sgx.js";
import type { CgroupSample, TimeSeriesRow } from "../report/recorder.js";
import { CGROUP_COLUMNS } from "../report/timeseries.js";
import type { ComparisonRowMessage, StreamMessage } from "./protocol.js";
import { listResults } from "./results.js";
import { resolveInside } from "./paths.js";

// csv-parse is loaded (its CommonJS build) when the dashboard first reads a result's time series,
// not at every command's start-up
const requireHere = createRequire(import.meta.url);
let csvParse: typeof import("csv-parse/sync") | undefined;

const CGROUP_COLUMN = new Set<string>(CGROUP_COLUMNS);
/** timeseries.csv's per-cgroup columns as CgroupSample fields (the paging ones go into `paging`) */
const SAMPLE_FIELD: Record<string, keyof CgroupSample> = { "misc.current": "misc", "misc.max": "max", "memory.current": "memory", "memory.max": "memoryMax", "epc.attributed": "attributed" };

/** timeseries.csv back into rows: a cgroup whose cells are empty did not exist at that moment */
export function parseTimeSeries(text: string): TimeSeriesRow[] {
  csvParse ??= requireHere("csv-parse/sync") as typeof import("csv-parse/sync");
  const records = csvParse.parse(text, { relax_column_count: false }) as string[][];
  const header = records[0] ?? [];
  const cols = header.map((name) => {
    const colon = name.indexOf(":");
    const prefix = colon < 0 ? name : name.slice(0, colon);
    return colon >= 0 && CGROUP_COLUMN.has(prefix) ? { cgroup: name.slice(colon + 1), field: prefix } : { cgroup: null, field: name };
  });
  return records.slice(1).map((cells) => {
    const row: TimeSeriesRow = { timeNs: 0, freePages: 0, counts: {}, cgroups: {} };
    cols.forEach((c, i) => {
      const cell = cells[i] ?? "";
      if (c.cgroup === null) {
        if (c.field === "time_ns") row.timeNs = Number(cell);
        else if (c.field === "free_pages") row.freePages = Number(cell);
        else row.counts[c.field] = Number(cell);
        return;
      }
      // a cgroup that exists has its usage cells filled; only a max may be empty ("max")
      if (cell === "" && row.cgroups[c.cgroup] === undefined) return;
      const s = (row.cgroups[c.cgroup] ??= { misc: 0, max: null, memory: 0, memoryMax: null, attributed: 0, paging: {} });
      const key = SAMPLE_FIELD[c.field];
      if (key === undefined) s.paging[c.field] = Number(cell);
      else (s as unknown as Record<string, number | null>)[key] = cell === "" ? null : Number(cell);
    });
    return row;
  });
}

function variantMessages(dir: string, variant: number, variants: number, label: string): StreamMessage[] {
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SimSummary;
  const rows = existsSync(join(dir, "timeseries.csv")) ? parseTimeSeries(readFileSync(join(dir, "timeseries.csv"), "utf8")) : [];
  const events = existsSync(join(dir, "events.jsonl"))
    ? readFileSync(join(dir, "events.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as SimEvent)
    : [];
  const causes: Record<string, string> = {};
  for (const p of summary.processes) if (p.cause !== null) causes[p.name] = explainCause(p.cause);
  const interval = rows[0]?.timeNs ?? 1_000_000;
  return [
    { type: "meta", variant, variants, label, kernel: summary.kernel, totalPages: summary.epc.totalPages, untilNs: null, sampleIntervalNs: interval, lowPages: SGX_NR_LOW_PAGES, highPages: SGX_NR_HIGH_PAGES },
    { type: "samples", variant, rows },
    { type: "events", variant, events },
    { type: "progress", variant, nowNs: summary.simulatedNs, events: summary.events },
    { type: "variant-done", variant, summary, causes },
  ];
}

/** the messages of result folder `rel` (a run or a comparison), or null when it is neither */
export function replayResult(root: string, rel: string): StreamMessage[] | null {
  const dir = resolveInside(root, rel);
  const result = dir === null ? undefined : listResults(root, ["run", "compare"]).find((r) => r.dir === rel);
  if (dir === null || result === undefined) return null;
  const head: StreamMessage = { type: "status", status: "done", dir: rel, wallMs: 0 };
  if (result.kind === "run") return [head, ...variantMessages(dir, 0, 1, rel.split("/").pop() ?? rel), { type: "done" }, head];
  const comparison = JSON.parse(readFileSync(join(dir, "comparison.json"), "utf8")) as { variants: { label: string; summary: SimSummary }[]; rows: ComparisonRowMessage[] };
  // each variant's folder is the one whose summary.json is the variant's summary
  const parts = result.parts.map((p) => ({ p, text: readFileSync(join(root, p, "summary.json"), "utf8") }));
  const out: StreamMessage[] = [head];
  comparison.variants.forEach((v, i) => {
    const text = `${JSON.stringify(v.summary, null, 2)}\n`;
    const part = parts.find((x) => x.text === text);
    if (part !== undefined) out.push(...variantMessages(join(root, part.p), i, comparison.variants.length, v.label));
  });
  out.push({ type: "done", rows: comparison.rows }, head);
  return out;
}
