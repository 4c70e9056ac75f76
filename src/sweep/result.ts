// What a sweep keeps of one variant's run: its outcome per process, its paging per cgroup, the
// simulated time and the summary's key counters. Small and JSON-able: it travels back from a worker
// thread or a queue worker and is appended to the results journal.
import type { SimSummary } from "../engine/summary.js";

export interface ProcessOutcome {
  name: string;
  cgroup: string;
  /** "0", "137 SIGKILL", "1 ENOMEM (ADD_PAGES)", "running" or "not started" */
  exit: string;
  /** killed by the EPC OOM path (v5) */
  oomKilled: boolean;
}

export interface CgroupOutcome {
  path: string;
  /** misc.peak of sgx_epc, bytes */
  peak: number;
  faults: number;
  eldu: number;
  ewbPages: number;
  chargeFailures: number;
  /** EPC OOM kills of processes in this cgroup or below */
  oomKills: number;
}

export interface VariantResult {
  simulatedNs: number;
  events: number;
  processes: ProcessOutcome[];
  cgroups: CgroupOutcome[];
  counters: {
    EWB: number;
    ELDU: number;
    faults: number;
    pagesWrittenBack: number;
    chargeFailures: number;
    reclaimBatches: number;
    sigbus: number;
    epcOomKills: number;
    memcgOomKills: number;
  };
  /** a run that could not be simulated (a refused time-zero write, say): its one-line message */
  error: string | null;
}

/** as `compare` writes an exit: code, signal, and the errno of the call that failed */
export function exitOutcome(p: SimSummary["processes"][number]): string {
  if (p.exitCode === null) return p.startNs === null ? "not started" : "running";
  let s = String(p.exitCode);
  if (p.signal !== null) s += ` ${p.signal}`;
  if (p.error !== null) s += ` ${p.error.errno} (${p.error.op.replace(/^SGX_IOC_(ENCLAVE_|VEPC_)?/, "")})`;
  return s;
}

const within = (path: string, cg: string): boolean => path === cg || cg === "/" || path.startsWith(`${cg}/`);

export function variantResult(s: SimSummary): VariantResult {
  const killed = new Set(s.oom.filter((o) => o.kill).map((o) => o.victim));
  const processes = s.processes.map((p) => ({ name: p.name, cgroup: p.cgroup, exit: exitOutcome(p), oomKilled: killed.has(p.name) }));
  const cgroups = Object.entries(s.cgroups)
    .filter(([path]) => path !== "/")
    .map(([path, c]) => ({
      path,
      peak: c.peak,
      faults: c.paging.faults,
      eldu: c.paging.eldu,
      ewbPages: c.paging.ewbPages,
      chargeFailures: c.paging.chargeFailures,
      oomKills: processes.filter((p) => p.oomKilled && within(p.cgroup, path)).length,
    }));
  const c = s.counters;
  return {
    simulatedNs: s.simulatedNs,
    events: s.events,
    processes,
    cgroups,
    counters: {
      EWB: c.EWB,
      ELDU: c.ELDU,
      faults: c.faults,
      pagesWrittenBack: c.pagesReclaimed,
      chargeFailures: c.chargeFailures,
      reclaimBatches: c.reclaimBatches,
      sigbus: c.sigbus,
      epcOomKills: s.oom.filter((o) => o.kill).length,
      memcgOomKills: s.memcgOomKills.length,
    },
    error: null,
  };
}

/** the result of a variant that could not be simulated */
export function failedResult(message: string): VariantResult {
  return {
    simulatedNs: 0,
    events: 0,
    processes: [],
    cgroups: [],
    counters: { EWB: 0, ELDU: 0, faults: 0, pagesWrittenBack: 0, chargeFailures: 0, reclaimBatches: 0, sigbus: 0, epcOomKills: 0, memcgOomKills: 0 },
    error: message,
  };
}
