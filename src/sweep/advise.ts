// `epcsim advise`: for each named cgroup, the smallest misc.max (to a page, or a step) at which every
// process in it still exits as it does with no limit and its paging stays within a budget, over
// every seed. Found by bisection, which assumes that a larger limit never makes things worse (true
// of the runs we tried; a workload whose outcome is not monotone in the limit can fool it). The runs
// go through the sweep machinery: each is a variant (scenario text and id) run by a Runner, and a
// variant already run is not run again.
import { parseScenarioText } from "../scenario/load.js";
import { GridError } from "./errors.js";
import type { VariantResult } from "./result.js";
import type { Runner } from "./sweep.js";
import { variantId, variantText } from "./variants.js";

export type Budget = { kind: "slowdown"; max: number } | { kind: "faultsPerS"; max: number };

export interface AdviseOptions {
  cgroups: string[];
  /** the limit's granularity in bytes (a page by default) */
  step: number;
  budget: Budget;
  /** the seeds every answer must hold for; null: the scenario's own */
  seeds: number[] | null;
  /** another kernel generation than the scenario's */
  kernel: string | null;
}

/** a limit and what happened at it, over the seeds (the worst seed's figures) */
export interface LimitOutcome {
  miscMax: number;
  /** whether every seed met the conditions */
  ok: boolean;
  /** why not, at the first seed that failed (null when ok) */
  reason: string | null;
  /** the seed whose exits are shown: the first that failed, or the first */
  seed: number | null;
  /** exit of each process in the cgroup (its subtree) */
  exits: Record<string, string>;
  /** the worst over the seeds: simulated time against the unlimited run's, and the cgroup's paging */
  slowdown: number;
  simulatedNs: number;
  faults: number;
  /** page faults per simulated second beyond the unlimited run's faults (which fault each page in once) */
  faultsPerS: number;
  pagesWrittenBack: number;
  chargeFailures: number;
  oomKills: number;
}

export interface Recommendation {
  cgroup: string;
  /** null when no limit up to the EPC's size meets the conditions */
  miscMax: number | null;
  below: LimitOutcome | null;
  at: LimitOutcome | null;
  /** v5: the smallest limit at which no process in the cgroup is OOM-killed, over every seed */
  oomKillsBelow?: number;
}

/** the v5 OOM threshold is found by running every step up to this many steps (see lastKill()) */
export const SCAN_STEPS = 512;

const within = (path: string, cg: string): boolean => path === cg || path.startsWith(`${cg}/`);

interface Run {
  seed: number | null;
  result: VariantResult;
}

export class Advisor {
  private readonly cache = new Map<string, Promise<VariantResult>>();
  private readonly baseDir: string;
  readonly epcBytes: number;
  readonly kernel: string;
  runs = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
    private readonly options: AdviseOptions,
    private readonly runner: Runner,
    baseDir: string,
  ) {
    this.baseDir = baseDir;
    const scenario = parseScenarioText(text, source, { baseDir, ...(options.kernel === null ? {} : { set: { kernel: JSON.stringify(options.kernel) } }) });
    this.kernel = scenario.kernel;
    if (this.kernel === "mainline") throw new GridError(`advise: ${source} runs kernel mainline, which has no sgx_epc limit; expected v17 or v5 (--kernel v17).`);
    const paths = scenario.cgroups.map((c) => c.path);
    for (const cg of options.cgroups) {
      if (!paths.includes(cg)) throw new GridError(`--cgroup ${cg}: expected a cgroup of ${source}'s cgroups section (${paths.join(", ") || "it has none"}).`);
      if (!scenario.processes.some((p) => within(p.cgroup, cg))) throw new GridError(`--cgroup ${cg}: expected a cgroup with processes in it (or below it); ${source} starts none there.`);
    }
    this.epcBytes = scenario.machine.sections.reduce((n, s) => n + s.size, 0);
  }

  /** the run of the scenario with `cgroup`'s misc.max set (null: "max") under one seed */
  private run(cgroup: string, limit: number | null, seed: number | null): Promise<VariantResult> {
    const sets: Record<string, string> = { [`cgroups[${JSON.stringify(cgroup)}]["misc.max"]`]: JSON.stringify(`sgx_epc ${limit ?? "max"}`) };
    if (this.options.kernel !== null) sets.kernel = JSON.stringify(this.options.kernel);
    const text = variantText(this.text, this.source, sets, seed);
    const id = variantId(text);
    let r = this.cache.get(id);
    if (r === undefined) {
      this.runs++;
      r = this.runner.run({ id, text, source: this.source, baseDir: this.baseDir });
      this.cache.set(id, r);
    }
    return r;
  }

  private seeds(): (number | null)[] {
    return this.options.seeds ?? [null];
  }

  private async runAll(cgroup: string, limit: number | null): Promise<Run[]> {
    return Promise.all(this.seeds().map(async (seed) => ({ seed, result: await this.run(cgroup, limit, seed) })));
  }

  private outcome(cgroup: string, limit: number, runs: Run[], unlimited: Run[]): LimitOutcome {
    let reason: string | null = null;
    let shown: Run | undefined;
    const worst = { slowdown: 0, simulatedNs: 0, faults: 0, faultsPerS: 0, pagesWrittenBack: 0, chargeFailures: 0, oomKills: 0 };
    runs.forEach((run, i) => {
      const base = unlimited[i] as Run;
      const r = run.result;
      const cg = r.cgroups.find((c) => c.path === cgroup);
      const faults = cg?.faults ?? 0;
      // the faults the limit adds: an unlimited run faults too, once per page it first touches
      const baseFaults = base.result.cgroups.find((c) => c.path === cgroup)?.faults ?? 0;
      const perS = r.simulatedNs > 0 ? Math.max(0, faults - baseFaults) / (r.simulatedNs / 1e9) : 0;
      const slowdown = base.result.simulatedNs > 0 ? r.simulatedNs / base.result.simulatedNs : 1;
      worst.slowdown = Math.max(worst.slowdown, slowdown);
      worst.simulatedNs = Math.max(worst.simulatedNs, r.simulatedNs);
      worst.faults = Math.max(worst.faults, faults);
      worst.faultsPerS = Math.max(worst.faultsPerS, perS);
      worst.pagesWrittenBack = Math.max(worst.pagesWrittenBack, cg?.ewbPages ?? 0);
      worst.chargeFailures = Math.max(worst.chargeFailures, cg?.chargeFailures ?? 0);
      worst.oomKills = Math.max(worst.oomKills, cg?.oomKills ?? 0);
      if (reason !== null) return;
      const seedText = run.seed === null ? "" : ` (seed ${run.seed})`;
      if (r.error !== null) reason = `the run failed: ${r.error}${seedText}`;
      for (const p of r.processes) {
        if (reason !== null || !within(p.cgroup, cgroup)) continue;
        const was = base.result.processes.find((q) => q.name === p.name)?.exit;
        if (p.exit !== was) reason = `${p.name} exits ${p.exit} instead of ${was ?? "-"}${seedText}`;
      }
      const b = this.options.budget;
      if (reason === null && b.kind === "slowdown" && slowdown > b.max) reason = `simulated time ${slowdown.toFixed(3)}× the unlimited run's, above ${b.max}×${seedText}`;
      if (reason === null && b.kind === "faultsPerS" && perS > b.max) reason = `${Math.round(perS)} extra faults/s in ${cgroup}, above ${b.max}${seedText}`;
      if (reason !== null) shown = run;
    });
    const s = shown ?? runs[0];
    const exits: Record<string, string> = {};
    for (const p of s?.result.processes ?? []) if (within(p.cgroup, cgroup)) exits[p.name] = p.exit;
    return { miscMax: limit, ok: reason === null, reason, seed: s?.seed ?? null, exits, ...worst };
  }

  /** bisection over k (limit = k * step) in (lo, hi]: the smallest k for which `good` holds, given that it holds at hi */
  private async bisect(lo: number, hi: number, good: (k: number) => Promise<boolean>): Promise<number> {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await good(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /**
   * v5: one step above the largest limit up to k steps at which some seed sees an OOM kill in the
   * cgroup (0 if none does). Kills are not monotone in the limit (a limit too small for even the
   * enclaves' first pages ends in ENOMEM, not a kill), so every step up to SCAN_STEPS steps is run;
   * above that, bisection, assuming that kills stop for good once they stop.
   */
  private async lastKill(k: number, at: (m: number) => Promise<LimitOutcome>): Promise<number> {
    if (k <= SCAN_STEPS) {
      const kills = await Promise.all(Array.from({ length: k + 1 }, async (_, m) => (await at(m)).oomKills > 0));
      const last = kills.lastIndexOf(true);
      return last + 1;
    }
    if ((await at(0)).oomKills === 0 && (await at(1)).oomKills === 0) return 0;
    return this.bisect(0, k, async (m) => (await at(m)).oomKills === 0);
  }

  async recommend(cgroup: string): Promise<Recommendation> {
    const step = this.options.step;
    const unlimited = await this.runAll(cgroup, null);
    const broken = unlimited.find((u) => u.result.error !== null);
    if (broken !== undefined) throw new GridError(`advise: ${this.source} with ${cgroup} unlimited could not be simulated: ${broken.result.error ?? ""}`);
    const at = async (k: number): Promise<LimitOutcome> => this.outcome(cgroup, k * step, await this.runAll(cgroup, k * step), unlimited);
    // the unlimited run's peak is enough, unless a limit changes more than when a charge fails (then: doubling, up to the EPC)
    const peak = Math.max(...unlimited.map((u) => u.result.cgroups.find((c) => c.path === cgroup)?.peak ?? 0));
    const maxK = Math.max(1, Math.ceil(this.epcBytes / step));
    let hiK = Math.min(maxK, Math.max(1, Math.ceil(peak / step)));
    while (!(await at(hiK)).ok) {
      if (hiK >= maxK) return { cgroup, miscMax: null, below: await at(hiK), at: null };
      hiK = Math.min(maxK, hiK * 2);
    }
    const k = await this.bisect(0, hiK, async (m) => (await at(m)).ok);
    const rec: Recommendation = { cgroup, miscMax: k * step, below: await at(k - 1), at: await at(k) };
    if (this.kernel === "v5") rec.oomKillsBelow = (await this.lastKill(k, at)) * step;
    return rec;
  }

  async recommendAll(): Promise<Recommendation[]> {
    try {
      return await Promise.all(this.options.cgroups.map((c) => this.recommend(c)));
    } finally {
      await this.runner.close();
    }
  }
}
