// timeseries.csv: one row per sampling interval. Columns (docs/outputs.md):
//   time_ns          end of the interval, in simulated ns
//   free_pages       sgx_nr_free_pages at that moment
//   ewb ... work_runs, ksgxd_batches, work_batches, direct_batches
//                    how many happened during the interval
//   misc.current:<cgroup>, misc.max:<cgroup>, memory.current:<cgroup>, memory.max:<cgroup>
//                    bytes at that moment, per cgroup; a max is empty for "max"; a cgroup that
//                    does not exist at that moment has empty cells
//   epc.attributed:<cgroup>
//                    bytes of EPC allocated for the cgroup's subtree (the simulator's attribution)
//   faults:<cgroup>, eldu:<cgroup>, ewb_pages:<cgroup>, charge_failures:<cgroup>
//                    how many happened during the interval in the cgroup's subtree (attributed)
import { createRequire } from "node:module";
import { BATCH_COLUMNS, CGROUP_PAGING_COLUMNS, INTERVAL_COUNTERS, type Recorder } from "./recorder.js";

// csv-stringify is loaded (its CommonJS build) when --out first writes timeseries.csv, not at every
// command's start-up
const requireHere = createRequire(import.meta.url);
let csvStringify: typeof import("csv-stringify/sync") | undefined;

export const CGROUP_COLUMNS = ["misc.current", "misc.max", "memory.current", "memory.max", "epc.attributed", ...CGROUP_PAGING_COLUMNS.map(([c]) => c)] as const;

export function timeSeriesColumns(rec: Recorder): string[] {
  const cols = ["time_ns", "free_pages", ...INTERVAL_COUNTERS.map(([c]) => c), ...BATCH_COLUMNS];
  for (const path of rec.cgroupPaths) for (const c of CGROUP_COLUMNS) cols.push(`${c}:${path}`);
  return cols;
}

export function formatTimeSeriesCsv(rec: Recorder): string {
  const header = timeSeriesColumns(rec);
  const records = rec.rows.map((r) => {
    const out: (string | number)[] = [r.timeNs, r.freePages];
    for (const [c] of INTERVAL_COUNTERS) out.push(r.counts[c] ?? 0);
    for (const c of BATCH_COLUMNS) out.push(r.counts[c] ?? 0);
    for (const path of rec.cgroupPaths) {
      const s = r.cgroups[path];
      if (s === undefined) for (let i = 0; i < CGROUP_COLUMNS.length; i++) out.push("");
      else {
        out.push(s.misc, s.max ?? "", s.memory, s.memoryMax ?? "", s.attributed);
        for (const [c] of CGROUP_PAGING_COLUMNS) out.push(s.paging[c] ?? 0);
      }
    }
    return out;
  });
  csvStringify ??= requireHere("csv-stringify/sync") as typeof import("csv-stringify/sync");
  return csvStringify.stringify([header, ...records]);
}
