// The result of a run: the `--json` document of the output contract (kernel, seed, simulatedNs,
// processes, counters, epc, invariants), built from the simulator's final state.
import { ENCLS_LEAVES, type EnclsLeaf } from "../kernel/sgx.js";
import { ON_LRU, ON_NONE, ON_UNRECLAIMABLE, OWNER_ENCL_PAGE, OWNER_VA, OWNER_VEPC } from "../kernel/epc-page.js";
import type { KernelCounters } from "../kernel/state.js";
import type { EacceptRecord, IoctlRecord, ReportedException, SyscallError } from "./process.js";
import type { FileOp, InvariantViolation, KernelBug, Livelock, Simulator } from "./sim.js";
import { CGROUP_FILES, cgroupRead } from "../cgroup/fs.js";
import { U64_MAX } from "../cgroup/misc.js";
import { memcg } from "../cgroup/memory.js";
import type { EpcOomSelection, ProcessCause } from "./cause.js";
import type { Paging } from "../kernel/paging-accounts.js";

function cgroupSummaries(sim: Simulator): Record<string, CgroupSummary> {
  const tree = sim.sgx.cgroups;
  const out: Record<string, CgroupSummary> = {};
  for (const cg of tree.subtree(tree.root)) {
    if (cg.dying) continue;
    const files: Record<string, string> = {};
    for (const f of CGROUP_FILES) {
      const text = cgroupRead({ tree, movePid: () => 0 }, `${cg.path === "/" ? "" : cg.path}/${f}`);
      if (typeof text === "string") files[f] = text;
    }
    const epc = sim.sgx.paging.cgroupEpc(cg);
    out[cg.path] = {
      files,
      current: cg.usage,
      peak: cg.watermark,
      max: cg.isRoot || cg.max === U64_MAX ? null : Number(cg.max),
      events: cg.events,
      memory: (() => {
        const m = memcg(cg);
        return { current: m.usage, max: cg.isRoot || m.maxPages === U64_MAX / 4096n ? null : Number(m.maxPages) * 4096, events: { max: m.max, oom: m.oom, oomKill: m.oomKill } };
      })(),
      paging: sim.sgx.paging.cgroupPaging(cg),
      attributed: { epc: epc.pages * 4096, epcPeak: epc.peakPages * 4096 },
    };
  }
  return out;
}

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
  /** ioctl steps (ADD_PAGES, MODIFY_TYPES, RESTRICT_PERMISSIONS, REMOVE_PAGES): ret, errno, count */
  ioctls: IoctlRecord[];
  /** eaccept steps: the first non-zero EACCEPT return, or 0 */
  eaccepts: EacceptRecord[];
  /** exceptions the vDSO reported to ECALLs (vector, error code, address), in order */
  exceptions: ReportedException[];
  /** the last of them, or null */
  lastException: ReportedException | null;
  /** what ended it, at its cause (see ProcessCause); null while running and for a normal exit */
  cause: ProcessCause | null;
  /** its paging, attributed by the simulator (docs/outputs.md, "Paging per cgroup and process") */
  paging: Paging;
  /** EPC allocated for it (enclave, SECS, VA and vEPC pages), bytes: at the end and at the peak; attributed by the simulator */
  attributed: { epc: number; epcPeak: number };
  /** only for a process that replayed a trace: its tenant, requests done, misses (ELDU or EAUG needed) */
  replay?: ReplayFigures & { tenant: string; trace: string };
}

/** a replay's outcome: a miss is a request that needed ELDU or EAUG */
export interface ReplayFigures {
  requests: number;
  misses: number;
  /** misses / requests (0 without requests) */
  missRatio: number;
}

function replayFigures(requests: number, misses: number): ReplayFigures {
  return { requests, misses, missRatio: requests === 0 ? 0 : misses / requests };
}

/** the whole replay (every process that replayed a trace), or null when none did */
function replaySummary(sim: Simulator): ReplayFigures | null {
  let requests = 0;
  let misses = 0;
  let any = false;
  for (const p of sim.processes) {
    if (p.traced === null) continue;
    any = true;
    requests += p.traced.requests;
    misses += p.traced.misses;
  }
  return any ? replayFigures(requests, misses) : null;
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

export interface CgroupSummary {
  /** the exact text of every interface file the cgroup has */
  files: Record<string, string>;
  /** misc.current of sgx_epc, bytes */
  current: number;
  /** misc.peak of sgx_epc, bytes */
  peak: number;
  /** misc.max of sgx_epc in bytes, null for "max" (and for the root) */
  max: number | null;
  /** misc.events of sgx_epc (the root's internal count for "/") */
  events: number;
  /** the memory controller: memory.current and memory.max in bytes (null for max), memory.events */
  memory: { current: number; max: number | null; events: { max: number; oom: number; oomKill: number } };
  /** paging of the cgroup and its descendants, attributed by the simulator (no kernel file has it) */
  paging: Paging;
  /**
   * EPC allocated for tasks in its subtree, bytes, at the end and at the peak, attributed by the
   * simulator; equals misc.current/misc.peak of sgx_epc where the kernel charges (v17, v5), and is
   * the only per-cgroup EPC figure on mainline
   */
  attributed: { epc: number; epcPeak: number };
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
  /** cgroups that exist at the end, by path */
  cgroups: Record<string, CgroupSummary>;
  /** every scripted cgroup read, write, mkdir, rmdir and move */
  fileOps: FileOp[];
  /** v5: enclaves the EPC OOM path chose, in order: when, in which cgroup, whose, what triggered it, and whether it was a kill */
  oom: EpcOomSelection[];
  /** processes the memcg OOM killer killed, in order, with whose charge triggered it */
  memcgOomKills: { atNs: number; cgroup: string; victim: string; victimPid: number; trigger: string }[];
  /** null, or why the run stopped early: a thread refaulting forever (options.livelockRetries) */
  livelock: Livelock | null;
  /** null, or the kernel bug the run stopped at: where the kernel would oops, and why */
  kernelBug: KernelBug | null;
  /** WARN()s the driver printed: how many, and the first 100 */
  warnings: { count: number; messages: string[] };
  invariants: { checked: number; violations: InvariantViolation[] };
  /** only when processes replayed a trace: their requests, misses and miss ratio together */
  replay?: ReplayFigures;
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
    const list = pages.list(f);
    if (list !== ON_NONE && list !== ON_LRU && list !== ON_UNRECLAIMABLE) continue;
    const kind = pages.ownerKind(f);
    if (kind === OWNER_VA) vaPages++;
    else if (kind === OWNER_VEPC) vepcPages++;
    else if (kind === OWNER_ENCL_PAGE) {
      if (sgx.enclPages.type(pages.ownerOf(f)) === 0) secsPages++;
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
    // a process's teardown cost ends after the last event: the run lasts until it is done
    simulatedNs: sim.processes.reduce((t, p) => Math.max(t, p.endNs ?? 0), sim.nowNs),
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
      ioctls: p.ioctls,
      eaccepts: p.eaccepts,
      exceptions: p.exceptions,
      lastException: p.exceptions.at(-1) ?? null,
      cause: p.cause,
      paging: sgx.paging.processPaging(p.pid),
      attributed: (({ pages, peakPages }) => ({ epc: pages * 4096, epcPeak: peakPages * 4096 }))(sgx.paging.processEpc(p.pid)),
      ...(p.traced === null ? {} : { replay: { tenant: p.traced.tenant, trace: p.traced.source, ...replayFigures(p.traced.requests, p.traced.misses) } }),
    })),
    counters,
    epc: {
      totalPages: sgx.totalPages,
      freePages: sgx.nrFree,
      freeListPages: freeList,
      poisonedPages: poisoned,
      reclaimablePages: sgx.reclaimablePages(),
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
    cgroups: cgroupSummaries(sim),
    fileOps: sim.fileOps,
    oom: sim.epcOomKills,
    memcgOomKills: sim.memcgKills,
    livelock: sim.livelock,
    kernelBug: sim.kernelBug,
    warnings: { count: sgx.warningCount, messages: sgx.warnings },
    invariants: { checked: sim.invariantChecks, violations: sim.violations },
    ...((r) => (r === null ? {} : { replay: r }))(replaySummary(sim)),
  };
}
