// The recorder behind `--out`: an observer that keeps a run's time series, its notable kernel
// events and its slices, for timeseries.csv, events.jsonl, trace.json and report.html.
import type { SimEvent, SimObserver, Track } from "../engine/observer.js";
import type { Simulator } from "../engine/sim.js";
import { memcg } from "../cgroup/memory.js";
import { U64_MAX } from "../cgroup/misc.js";
import { PG_CHARGE_FAILURES, PG_ELDU, PG_EWB_PAGES, PG_FAULTS } from "../kernel/paging-accounts.js";

export interface RecorderOptions {
  /** sampling interval in simulated ns (default 1 ms) */
  sampleIntervalNs?: number;
  /** at most this many events of each high-volume kind (charge failures, reclaim batches) are kept */
  maxEventsPerKind?: number;
  /** at most this many slices are kept for the trace */
  maxSlices?: number;
}

/** per-interval counts: the counter's increase since the previous row */
export const INTERVAL_COUNTERS = [
  ["ewb", "EWB"],
  ["eldu", "ELDU"],
  ["eaug", "EAUG"],
  ["faults", "faults"],
  ["fault_retries", "faultRetries"],
  ["sigbus", "sigbus"],
  ["charge_failures", "chargeFailures"],
  ["oom_kills", "oomKills"],
  ["memcg_oom_kills", "memcgOomKills"],
  ["reclaim_batches", "reclaimBatches"],
  ["pages_reclaimed", "pagesReclaimed"],
  ["work_runs", "cgroupWorkRuns"],
] as const;

/** reclaim batches per interval by who ran them */
export const BATCH_COLUMNS = ["ksgxd_batches", "work_batches", "direct_batches"] as const;

/** per-cgroup paging per interval (the cgroup and its descendants, attributed by the simulator): column prefix, PG_* field */
export const CGROUP_PAGING_COLUMNS = [
  ["faults", PG_FAULTS],
  ["eldu", PG_ELDU],
  ["ewb_pages", PG_EWB_PAGES],
  ["charge_failures", PG_CHARGE_FAILURES],
] as const;

export interface CgroupSample {
  /** misc.current in bytes */
  misc: number;
  /** misc.max in bytes, null for max (and for the root) */
  max: number | null;
  /** memory.current in bytes */
  memory: number;
  /** memory.max in bytes, null for max (and for the root) */
  memoryMax: number | null;
  /** EPC allocated for its subtree, bytes (the simulator's attribution; misc.current where the kernel charges) */
  attributed: number;
  /** CGROUP_PAGING_COLUMNS during the interval, by column prefix */
  paging: Record<string, number>;
}

export interface TimeSeriesRow {
  /** end of the interval */
  timeNs: number;
  /** sgx_nr_free_pages at that moment */
  freePages: number;
  /** INTERVAL_COUNTERS and BATCH_COLUMNS by column name */
  counts: Record<string, number>;
  cgroups: Record<string, CgroupSample>;
}

export interface Slice {
  track: Track;
  name: string;
  startNs: number;
  endNs: number;
  args: Record<string, string | number> | undefined;
}

const HIGH_VOLUME = new Set<SimEvent["type"]>(["charge-failure", "reclaim-batch"]);

export class Recorder implements SimObserver {
  readonly sampleIntervalNs: number;
  readonly rows: TimeSeriesRow[] = [];
  readonly events: SimEvent[] = [];
  readonly slices: Slice[] = [];
  /** events and slices left out by the caps, by kind */
  readonly dropped: Record<string, number> = {};
  /** every cgroup path that appeared in a sample, in order of appearance */
  readonly cgroupPaths: string[] = [];
  private readonly maxPerKind: number;
  private readonly maxSlices: number;
  private readonly kept = new Map<string, number>();
  private readonly last: Record<string, number> = {};
  /** per cgroup id: the paging totals at the previous sample */
  private readonly lastPaging: number[][] = [];
  private batches: Record<string, number> = { ksgxd_batches: 0, work_batches: 0, direct_batches: 0 };
  private lastSampleNs = -1;
  private sim: Simulator | null = null;
  /** progress reports go here (the CLI's progress bar) */
  onProgress: ((nowNs: number, events: number) => void) | null = null;

  constructor(options: RecorderOptions = {}) {
    this.sampleIntervalNs = options.sampleIntervalNs ?? 1_000_000;
    if (!(this.sampleIntervalNs >= 1)) throw new Error("The sampling interval must be at least 1 ns.");
    this.maxPerKind = options.maxEventsPerKind ?? 200_000;
    this.maxSlices = options.maxSlices ?? 500_000;
  }

  /** the simulator to read samples from; call right after constructing it */
  attach(sim: Simulator): void {
    this.sim = sim;
    for (const [col, key] of INTERVAL_COUNTERS) this.last[col] = this.counter(key);
  }

  private counter(key: string): number {
    const sgx = (this.sim as Simulator).sgx;
    const leaves = sgx.epcm.leaves as Record<string, number>;
    return leaves[key] ?? (sgx.counters as unknown as Record<string, number>)[key] ?? 0;
  }

  sample(atNs: number): void {
    const sim = this.sim;
    if (sim === null || atNs <= this.lastSampleNs) return;
    this.lastSampleNs = atNs;
    const counts: Record<string, number> = {};
    for (const [col, key] of INTERVAL_COUNTERS) {
      const v = this.counter(key);
      counts[col] = v - (this.last[col] ?? 0);
      this.last[col] = v;
    }
    Object.assign(counts, this.batches);
    this.batches = { ksgxd_batches: 0, work_batches: 0, direct_batches: 0 };
    const cgroups: Record<string, CgroupSample> = {};
    const tree = sim.sgx.cgroups;
    for (const cg of tree.subtree(tree.root)) {
      if (!this.cgroupPaths.includes(cg.path)) this.cgroupPaths.push(cg.path);
      const m = memcg(cg);
      const acc = sim.sgx.paging;
      const last = (this.lastPaging[cg.id] ??= CGROUP_PAGING_COLUMNS.map(() => 0));
      const paging: Record<string, number> = {};
      CGROUP_PAGING_COLUMNS.forEach(([col, field], i) => {
        const v = acc.cgroupTotal(cg, field);
        paging[col] = v - (last[i] as number);
        last[i] = v;
      });
      cgroups[cg.path] = {
        misc: cg.usage,
        max: cg.isRoot || cg.max === U64_MAX ? null : Number(cg.max),
        memory: m.usage,
        memoryMax: cg.isRoot || m.maxPages === U64_MAX / 4096n ? null : Number(m.maxPages) * 4096,
        attributed: acc.cgroupEpc(cg).pages * 4096,
        paging,
      };
    }
    this.rows.push({ timeNs: atNs, freePages: sim.sgx.nrFree, counts, cgroups });
  }

  event(e: SimEvent): void {
    if (e.type === "reclaim-batch") {
      const who = e.reclaimer === "ksgxd" ? "ksgxd_batches" : e.reclaimer.startsWith("kworker") ? "work_batches" : "direct_batches";
      this.batches[who] = (this.batches[who] ?? 0) + 1;
    }
    if (HIGH_VOLUME.has(e.type)) {
      const n = this.kept.get(e.type) ?? 0;
      if (n >= this.maxPerKind) {
        this.dropped[e.type] = (this.dropped[e.type] ?? 0) + 1;
        return;
      }
      this.kept.set(e.type, n + 1);
    }
    this.events.push(e);
  }

  slice(track: Track, name: string, startNs: number, endNs: number, args?: Record<string, string | number>): void {
    if (this.slices.length >= this.maxSlices) {
      this.dropped[`slice:${name}`] = (this.dropped[`slice:${name}`] ?? 0) + 1;
      return;
    }
    this.slices.push({ track, name, startNs, endNs: Math.max(startNs, endNs), args });
  }

  progress(nowNs: number, events: number): void {
    this.onProgress?.(nowNs, events);
  }
}
