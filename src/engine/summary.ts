// The result of a run: the `--json` document of the output contract (kernel, seed, simulatedNs,
// processes, counters, epc, invariants), built from the simulator's final state.
import { ENCLS_LEAVES, type EnclsLeaf } from "../kernel/sgx.js";
import { ON_LRU, ON_NONE, OWNER_ENCL_PAGE, OWNER_VA, OWNER_VEPC } from "../kernel/epc-page.js";
import type { KernelCounters } from "../kernel/state.js";
import type { SyscallError } from "./process.js";
import type { InvariantViolation, Simulator } from "./sim.js";

export interface ProcessSummary {
  name: string;
  cgroup: string;
  exitCode: number | null;
  signal: string | null;
  error: SyscallError | null;
  startNs: number | null;
  endNs: number | null;
  /** failed system calls, including ones the scenario expected */
  failures: { atNs: number; op: string; errno: string; expected: boolean }[];
}

export type Counters = Record<EnclsLeaf, number> & { ipi: number; faults: number; reclaimBatches: number } & Omit<
    KernelCounters,
    "ipi" | "faults" | "reclaimBatches"
  >;

export interface EpcSummary {
  totalPages: number;
  /** sgx_nr_free_pages, the counter the watermarks use (quirk Q1: it counts poisoned frees) */
  freePages: number;
  /** frames actually on the free lists */
  freeListPages: number;
  poisonedPages: number;
  /** pages on the global LRU */
  reclaimablePages: number;
  enclavePages: number;
  secsPages: number;
  vaPages: number;
  vepcPages: number;
  leakedPages: number;
  /** enclave pages written to backing store and not reloaded */
  swappedOutPages: number;
  /** shmem pages of all backing files (contents and PCMD) */
  backingPages: number;
  /** per NUMA node with EPC: its sgx_total_bytes and what is on its free and poison lists */
  nodes: { node: number; totalBytes: number; freeListPages: number; poisonedPages: number }[];
}

export interface SimSummary {
  scenario: string;
  kernel: string;
  seed: number;
  profile: string;
  simulatedNs: number;
  events: number;
  processes: ProcessSummary[];
  counters: Counters;
  epc: EpcSummary;
  /** WARN()s the driver printed: how many, and the first 100 */
  warnings: { count: number; messages: string[] };
  invariants: { checked: number; violations: InvariantViolation[] };
}

export function buildSummary(sim: Simulator): SimSummary {
  const sgx = sim.sgx;
  const counters = {} as Counters;
  for (const leaf of ENCLS_LEAVES) counters[leaf] = sgx.epcm.leaves[leaf];
  Object.assign(counters, sgx.counters);

  let enclavePages = 0;
  let secsPages = 0;
  let vaPages = 0;
  let vepcPages = 0;
  const pages = sgx.pages;
  for (let f = 0; f < sgx.totalPages; f++) {
    const list = pages.list[f];
    if (list !== ON_NONE && list !== ON_LRU) continue;
    const kind = pages.ownerKind[f];
    if (kind === OWNER_VA) vaPages++;
    else if (kind === OWNER_VEPC) vepcPages++;
    else if (kind === OWNER_ENCL_PAGE) {
      if (sgx.enclPages.type[pages.owner[f] as number] === 0) secsPages++;
      else enclavePages++;
    }
  }
  let swapped = 0;
  let backing = 0;
  for (const e of sgx.encls) {
    if (e === undefined || e.released) continue;
    swapped += e.backingContents.count;
    backing += e.backingPages();
  }
  let freeList = 0;
  let poisoned = 0;
  for (const n of sgx.nodes) {
    freeList += n.freeCount();
    poisoned += n.poisonList.size;
  }
  return {
    scenario: sim.scenario.source,
    kernel: sim.scenario.kernel,
    seed: sim.scenario.seed,
    profile: sim.scenario.machine.profile,
    simulatedNs: sim.nowNs,
    events: sim.events,
    processes: sim.processes.map((p) => ({
      name: p.name,
      cgroup: p.config.cgroup,
      exitCode: p.exitCode,
      signal: p.signal,
      error: p.error,
      startNs: p.started ? p.startNs : null,
      endNs: p.endNs,
      failures: p.failures.map((f) => ({ atNs: f.at, op: f.op, errno: f.errno, expected: f.expected })),
    })),
    counters,
    epc: {
      totalPages: sgx.totalPages,
      freePages: sgx.nrFree,
      freeListPages: freeList,
      poisonedPages: poisoned,
      reclaimablePages: sgx.lru.size,
      enclavePages,
      secsPages,
      vaPages,
      vepcPages,
      leakedPages: sgx.leaked,
      swappedOutPages: swapped,
      backingPages: backing,
      nodes: sgx.numaMask.map((n) => {
        const node = sgx.nodes[n];
        return { node: n, totalBytes: node?.sizeBytes ?? 0, freeListPages: node?.freeCount() ?? 0, poisonedPages: node?.poisonList.size ?? 0 };
      }),
    },
    warnings: { count: sgx.warningCount, messages: sgx.warnings },
    invariants: { checked: sim.invariantChecks, violations: sim.violations },
  };
}
