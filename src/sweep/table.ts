// The results table of a sweep: one row per variant in the grid's order, whatever order the runs
// finished in; the columns are the index and id, the axes, then the outcomes. Processes and cgroups
// that only some variants have get a column each (first seen in variant order), empty elsewhere.
import type { VariantResult } from "./result.js";
import type { Manifest } from "./store.js";

export type Cell = string | number | null;

export interface Column {
  name: string;
  type: "string" | "int";
}

export interface Table {
  /** the axis columns' names (field paths, "seed") */
  axes: string[];
  columns: Column[];
  /** rows in variant order, cells in column order */
  rows: Cell[][];
}

/** the counters columns: name and what of the result fills it */
const COUNTERS: [string, (r: VariantResult) => number][] = [
  ["simulated_ns", (r) => r.simulatedNs],
  ["events", (r) => r.events],
  ["EWB", (r) => r.counters.EWB],
  ["ELDU", (r) => r.counters.ELDU],
  ["faults", (r) => r.counters.faults],
  ["pages_written_back", (r) => r.counters.pagesWrittenBack],
  ["charge_failures", (r) => r.counters.chargeFailures],
  ["reclaim_batches", (r) => r.counters.reclaimBatches],
  ["sigbus", (r) => r.counters.sigbus],
  ["epc_oom_kills", (r) => r.counters.epcOomKills],
  ["memcg_oom_kills", (r) => r.counters.memcgOomKills],
];

/** per cgroup: column prefix and field */
const PER_CGROUP: [string, "peak" | "faults" | "eldu" | "ewbPages" | "chargeFailures" | "oomKills"][] = [
  ["peak", "peak"],
  ["faults", "faults"],
  ["eldu", "eldu"],
  ["written_back", "ewbPages"],
  ["charge_failures", "chargeFailures"],
  ["oom_kills", "oomKills"],
];

function firstSeen(lists: string[][]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const l of lists)
    for (const x of l)
      if (!seen.has(x)) {
        seen.add(x);
        out.push(x);
      }
  return out;
}

/** the table of the variants that have a result (`results` by id), in the manifest's order */
export function sweepTable(manifest: Manifest, results: ReadonlyMap<string, VariantResult>): Table {
  const present = manifest.variants.filter((v) => results.has(v.id)).map((v) => ({ v, r: results.get(v.id) as VariantResult }));
  const names = firstSeen(present.map(({ r }) => r.processes.map((p) => p.name)));
  const cgroups = firstSeen(present.map(({ r }) => r.cgroups.map((c) => c.path)));
  const columns: Column[] = [
    { name: "index", type: "int" },
    { name: "id", type: "string" },
    ...manifest.columns.map((name): Column => ({ name, type: "string" })),
    { name: "error", type: "string" },
    ...COUNTERS.map(([name]): Column => ({ name, type: "int" })),
    ...names.map((n): Column => ({ name: `exit ${n}`, type: "string" })),
    ...cgroups.flatMap((cg) => PER_CGROUP.map(([prefix]): Column => ({ name: `${prefix} ${cg}`, type: "int" }))),
  ];
  const rows = present.map(({ v, r }) => {
    const exits = new Map(r.processes.map((p) => [p.name, p.exit]));
    const cgs = new Map(r.cgroups.map((c) => [c.path, c]));
    return [
      v.index,
      v.id,
      ...manifest.columns.map((c) => v.axes[c] ?? null),
      r.error,
      ...COUNTERS.map(([, f]) => f(r)),
      ...names.map((n) => exits.get(n) ?? null),
      ...cgroups.flatMap((cg) => PER_CGROUP.map(([, f]) => cgs.get(cg)?.[f] ?? null)),
    ];
  });
  return { axes: manifest.columns, columns, rows };
}
