// The driver's global state (main.c: sections, NUMA nodes, free counter, the global LRU) and the
// interface through which kernel code sees the simulated world (`current`, ksgxd, IPIs, signals).
import type { IsolatedPages } from "./reclaim.js";
import type { Costs } from "../hw/costs.js";
import { Epcm, type SecsState } from "../hw/epcm.js";
import type { KernelGeneration, KernelOptions } from "./config.js";
import type { MachineConfig } from "../hw/machine.js";
import { EnclPages } from "./encl-page.js";
import { EpcPages, FrameList, ON_FREE, ON_LRU, ON_POISON, ON_UNRECLAIMABLE } from "./epc-page.js";
import { PAGE_SHIFT } from "./sgx.js";
import { VaPages } from "./va-page.js";
import type { Refusal, SgxTracepoints } from "./tracepoints.js";
import type { Encl } from "./encl.js";
import type { Vepc } from "./virt.js";
import { CgroupTree, type Cgroup } from "../cgroup/misc.js";
import { sgxCgroupFree } from "./epc-cgroup.js";
import { sgxEpcCgroupMaxWrite } from "./epc-cgroup-v5.js";
import { PagingAccounts } from "./paging-accounts.js";

/** An address space (struct mm_struct) as the driver uses it. */
export class Mm {
  /** tasks of this mm currently running on a CPU: their CPUs form mm_cpumask */
  readonly running = new Set<Task>();
  /** exit_mm has begun: mmget_not_zero() fails */
  exiting = false;
  /** the cgroup of the mm's owner (its memcg), kept by the simulator */
  cgroup: Cgroup | null = null;
  constructor(readonly id: number) {}
}

/** A user or kernel thread as kernel code sees it through `current`. */
export interface Task {
  readonly tid: number;
  /** the process's pid; 0 for kernel threads */
  readonly pid: number;
  readonly name: string;
  readonly mm: Mm | null;
  readonly cpu: number;
  /** whose reclaim a batch this task runs counts as: ksgxd's, a work item's or direct (a user task's) */
  readonly reclaimer: "ksgxd" | "work" | "direct";
  /** signal_pending(current) */
  signalPending(): boolean;
  /** the task's cgroup (the misc and memory controllers charge it); null = the root */
  readonly cgroup: Cgroup | null;
  /** the enclave this task is executing inside, if any */
  insideSecs: SecsState | null;
}

/** What kernel code needs from the simulator around it. */
export interface KernelEnv {
  /** the task whose context kernel code runs in */
  current(): Task;
  /** wake_up(&ksgxd_waitq) */
  wakeKsgxd(): void;
  /** the IPI of on_each_cpu_mask() interrupts `task`; a task inside an enclave takes an AEX */
  interrupt(task: Task): void;
  /** force_sig(SIGBUS) to `task` (memory failure with MF_ACTION_REQUIRED) */
  forceSigbus(task: Task): void;
  /** simulated time, for messages */
  now(): number;
  /**
   * v5: the EPC OOM path took `encl`'s memory away for `cgroup` (`trigger`: what made it run). True
   * when that is a kill: the enclave's process was still running, not already exiting or gone
   */
  enclaveOomKilled(encl: Encl, cgroup: Cgroup, trigger: string): boolean;
  /**
   * mem_cgroup_oom(): a memcg charge failed at `memcg` with nothing reclaimable: run the memcg OOM
   * killer there. True when it killed a victim or found one still exiting (the charge is retried),
   * false when there is no one to kill
   */
  memcgOom(memcg: Cgroup): boolean;
  /** queue_work(): run `work` on a kernel worker unless the item `key` is already pending; true if queued */
  queueWork(key: object, work: () => Generator<number, void>, label?: string): boolean;
  /** cancel_work_sync(): a pending item is dropped, a running one is finished */
  cancelWork(key: object): void;
  /** cond_resched(): the kernel thread's next yield is a point where the scheduler may preempt it */
  condResched(): void;
  /**
   * The simulator's livelock guard (options.livelockRetries) for the kernel's retry loops: the
   * current task's loop `operation` went round once more, with or without progress. Progress (or
   * the loop's end) starts its count over; a loop that goes round livelockRetries times in a row
   * without progress stops the run (summary.livelock). `cgroup`: what it charges or reclaims for.
   */
  kernelLoop(operation: string, progress: boolean, cgroup: Cgroup | null): void;
  /**
   * The current task is about to yield `ns`: true when it may go on at once instead, its wake-up
   * preceding everything else the simulator would run (what it does between the two events is
   * done); false when it must yield. Lets a long kernel loop run its common case as plain code.
   */
  continueInline(ns: number): boolean;
}

/** struct sgx_numa_node, plus the not-yet-touched part of its initial free list */
export class NumaNode {
  readonly freeList: FrameList;
  readonly poisonList: FrameList;
  /** sanitized frames never allocated yet, in ascending order; logically the head of the free list */
  readonly untouched: [number, number][] = [];
  private rangeIndex = 0;
  private cursor = 0;
  untouchedLeft = 0;
  sizeBytes = 0;

  constructor(
    readonly id: number,
    private readonly pages: EpcPages,
  ) {
    this.freeList = new FrameList(pages, ON_FREE);
    this.poisonList = new FrameList(pages, ON_POISON);
  }

  /** appends sanitized frames [first, end) to the free list; `skipped` of them are poisoned, not free */
  addUntouched(first: number, end: number, skipped = 0): void {
    this.untouched.push([first, end]);
    this.untouchedLeft += end - first - skipped;
  }

  /** free frames on this node (the real list length, unlike sgx_nr_free_pages) */
  freeCount(): number {
    return this.untouchedLeft + this.freeList.size;
  }

  /** the head of the free list, unlinked (mirrors the list part of __sgx_alloc_epc_page_from_node()) */
  takeHead(): number {
    while (this.untouchedLeft > 0) {
      const range = this.untouched[this.rangeIndex] as [number, number];
      if (this.cursor < range[0]) this.cursor = range[0];
      if (this.cursor >= range[1]) {
        this.rangeIndex++;
        const nextRange = this.untouched[this.rangeIndex];
        if (nextRange === undefined) break;
        continue;
      }
      const f = this.cursor++;
      // a frame poisoned while still untouched sits on the poison list: skip it
      if (this.pages.list(f) === 0) {
        this.untouchedLeft--;
        return f;
      }
    }
    return this.freeList.popHead();
  }

  /** an untouched free frame leaves the implicit range (memory failure on a free frame) */
  dropUntouched(): void {
    this.untouchedLeft--;
  }
}

export interface SectionInfo {
  first: number;
  count: number;
  node: number;
}

/** event counts the driver does not keep but users ask for */
export interface KernelCounters {
  ipi: number;
  ipiCpus: number;
  faults: number;
  faultRetries: number;
  sigbus: number;
  reclaimBatches: number;
  /** reclaim batches (sgx_reclaim_pages() calls) run by ksgxd */
  ksgxdBatches: number;
  /** ... run by user tasks (direct reclaim in an allocation or an SGX2 ioctl, cgroup charge reclaim) */
  directReclaimBatches: number;
  /** ... run by the EPC cgroups' work items */
  workBatches: number;
  pagesReclaimed: number;
  pagesSkippedYoung: number;
  secsEvicted: number;
  secsReloaded: number;
  ksgxdWakeups: number;
  vepcFaults: number;
  enomem: number;
  ebusy: number;
  /** failed misc charge attempts of sgx_epc */
  chargeFailures: number;
  /** runs of the EPC cgroup's async reclaim work */
  cgroupWorkRuns: number;
  /** backing-store pages a memcg limit refused */
  memcgChargeFailures: number;
  /** processes the memcg OOM killer killed */
  memcgOomKills: number;
  /** v5: enclaves the EPC OOM path took the memory of */
  oomKills: number;
  eaccept: number;
  aex: number;
  /** acquisitions of an enclave's encl->lock that had to wait for another holder */
  enclLockWaits: number;
  /** simulated ns spent waiting for encl->lock */
  enclLockWaitNs: number;
}

export function newKernelCounters(): KernelCounters {
  return {
    ipi: 0,
    ipiCpus: 0,
    faults: 0,
    faultRetries: 0,
    sigbus: 0,
    reclaimBatches: 0,
    ksgxdBatches: 0,
    directReclaimBatches: 0,
    workBatches: 0,
    pagesReclaimed: 0,
    pagesSkippedYoung: 0,
    secsEvicted: 0,
    secsReloaded: 0,
    ksgxdWakeups: 0,
    vepcFaults: 0,
    enomem: 0,
    ebusy: 0,
    chargeFailures: 0,
    cgroupWorkRuns: 0,
    memcgChargeFailures: 0,
    memcgOomKills: 0,
    oomKills: 0,
    eaccept: 0,
    aex: 0,
    enclLockWaits: 0,
    enclLockWaitNs: 0,
  };
}

export class Sgx {
  readonly pages: EpcPages;
  readonly epcm: Epcm;
  readonly enclPages: EnclPages;
  readonly vaPages = new VaPages();
  readonly sections: SectionInfo[] = [];
  readonly nodes: NumaNode[] = [];
  /** sgx_numa_mask: nodes that have EPC, ascending */
  readonly numaMask: number[] = [];
  /** sgx_active_page_list, the single global LRU (mainline); with EPC cgroups, the root cgroup's LRU */
  readonly lru: FrameList;
  /** per-cgroup LRUs by cgroup id (with EPC cgroups); lrus[0] is `lru` */
  readonly lrus: FrameList[] = [];
  /** finished reclaim batches' page arrays, for the next batches (reclaim.ts) */
  readonly isolatedPool: IsolatedPages[] = [];
  /** v5: per-cgroup unreclaimable lists (SECS and VA pages) by cgroup id */
  readonly unreclaimables: FrameList[] = [];
  /** the cgroup hierarchy; `sgx_epc` has capacity 0 unless the EPC cgroup is enabled */
  readonly cgroups: CgroupTree;
  /** which driver: mainline, or an EPC cgroup generation of the series */
  readonly generation: KernelGeneration;
  /** an EPC cgroup generation (v17 or v5) is active: pages are charged and live on cgroup LRUs */
  readonly epcCgroups: boolean;
  /** sgx_nr_free_pages (quirk Q1: counts poisoned frees too) */
  nrFree = 0;
  readonly totalPages: number;
  readonly counters = newKernelCounters();
  /** paging and EPC use per cgroup and process, attributed by the simulator */
  readonly paging: PagingAccounts;
  readonly encls: (Encl | undefined)[] = [];
  readonly vepcs: (Vepc | undefined)[] = [];
  /** vEPC SECS pages whose EREMOVE failed with children elsewhere (virt.c zombie_secs_pages) */
  readonly zombieSecs: number[] = [];
  /** frames leaked by a failed EREMOVE (sgx_encl_free_epc_page) or left behind by a leaking release */
  leaked = 0;
  /** WARN()s the driver would print, in order (the first 100 are kept) */
  readonly warnings: string[] = [];
  warningCount = 0;
  /** frames still on sgx_dirty_page_list (boot, before ksgxd sanitized them) */
  dirtyLeft = 0;
  /** per cgroup id: charges made by allocations still looking for a free frame (charged before the page exists) */
  readonly chargesInFlight: number[] = [];
  /** called with each cgroup the EPC cgroup's reclaim walk visits (for tests and traces) */
  onReclaimVisit: ((cg: Cgroup, walkRoot: Cgroup) => void) | null = null;
  /** the observer's tracepoints, when someone listens */
  trace: SgxTracepoints | null = null;
  /** the last allocation refused with ENOMEM (rare, so kept in every run): what a refusal ended is reported with it */
  lastRefusal: Refusal | null = null;
  /** frames poisoned while dirty: put on the poison list without ever being counted free */
  poisonedUncounted = 0;
  /** frames freed after a failed EWB without EREMOVE, so still valid in the EPCM (quirk Q3) */
  readonly ewbLostFrames = new Set<number>();

  constructor(
    readonly machine: MachineConfig,
    readonly costs: Costs,
    readonly env: KernelEnv,
    readonly options: KernelOptions,
    cgroupOptions: { generation: KernelGeneration; miscEvents: "6.11" | "pre-6.11" } = { generation: "mainline", miscEvents: "6.11" },
  ) {
    let total = 0;
    for (const s of machine.sections) total += Math.floor(s.size / 2 ** PAGE_SHIFT);
    this.totalPages = total;
    this.epcm = new Epcm(total, costs);
    // a frame's small fields and its paging slot share the EPCM's word and tag (16 bytes a frame)
    this.pages = new EpcPages(total, this.epcm.entry);
    this.enclPages = new EnclPages(total);
    this.paging = new PagingAccounts(this.epcm.tags);
    this.lru = new FrameList(this.pages, ON_LRU);
    this.lrus.push(this.lru);
    this.generation = cgroupOptions.generation;
    this.epcCgroups = this.generation !== "mainline";
    for (let n = 0; n < machine.numaNodes; n++) this.nodes.push(new NumaNode(n, this.pages));
    // mirrors sgx_page_cache_init(): sections in CPUID order, frames numbered consecutively
    let first = 0;
    for (const s of machine.sections) {
      const count = Math.floor(s.size / 4096);
      this.sections.push({ first, count, node: s.node });
      const node = this.nodes[s.node] as NumaNode;
      node.sizeBytes += count * 4096;
      if (!this.numaMask.includes(s.node)) this.numaMask.push(s.node);
      first += count;
    }
    this.numaMask.sort((a, b) => a - b);
    // sgx_cgroup_init(): capacity = the EPC of every node
    this.cgroups = new CgroupTree(this.epcCgroups ? total * 4096 : 0, cgroupOptions.miscEvents);
    if (this.generation === "v17") this.cgroups.onFree = (cg) => sgxCgroupFree(this, cg);
    if (this.generation === "v5") this.cgroups.onMaxWrite = (cg) => sgxEpcCgroupMaxWrite(this, cg);
  }

  /** the LRU of the cgroup `cg` (created on first use) */
  lruOfCgroup(cg: Cgroup): FrameList {
    let l = this.lrus[cg.id];
    if (l === undefined) {
      l = new FrameList(this.pages, ON_LRU);
      this.lrus[cg.id] = l;
    }
    return l;
  }

  /**
   * sgx_epc_page.sgx_cg as the charged cgroup's id + 1, 0 when the frame is not charged: with EPC
   * cgroups a frame is charged to the cgroup it was allocated for, which its attribution slot names
   * (alloc.ts setOwner()), so the charge is not stored a second time
   */
  frameCg(frame: number): number {
    return this.epcCgroups ? this.paging.frameCgroupId(frame) : 0;
  }

  /** v5: the unreclaimable list of the cgroup a page is charged to */
  unreclaimableOf(frame: number): FrameList {
    const id = Math.max(this.frameCg(frame) - 1, 0);
    let l = this.unreclaimables[id];
    if (l === undefined) {
      l = new FrameList(this.pages, ON_UNRECLAIMABLE);
      this.unreclaimables[id] = l;
    }
    return l;
  }

  /** sgx_epc_page_lru(): the LRU of the cgroup a page is charged to (the global LRU in mainline) */
  lruOf(frame: number): FrameList {
    const id = this.frameCg(frame);
    if (id === 0) return this.lru;
    return this.lrus[id - 1] ?? this.lruOfCgroup(this.cgroups.all[id - 1] as Cgroup);
  }

  /** sgx_can_reclaim_global(): some LRU holds a page */
  canReclaimGlobal(): boolean {
    if (!this.epcCgroups) return !this.lru.isEmpty();
    for (const l of this.lrus) if (l !== undefined && !l.isEmpty()) return true;
    return false;
  }

  /** pages on all LRUs */
  reclaimablePages(): number {
    let n = 0;
    for (const l of this.lrus) if (l !== undefined) n += l.size;
    return n;
  }

  /** one paging event of `field` (PG_*) for `current`: its process and its cgroup */
  account(field: number): void {
    const t = this.env.current();
    this.paging.count(field, t.cgroup ?? this.cgroups.root, t.pid);
  }

  /** one paging event of `field` for the process and cgroup `frame` was allocated for */
  accountFrame(field: number, frame: number): void {
    this.paging.countFrame(field, frame, this.cgroups.all);
  }

  /** the cgroup `current` is charged to */
  currentCgroup(): Cgroup {
    return this.env.current().cgroup ?? this.cgroups.root;
  }

  /** ns of work charged so far to the running actor and not yet consumed */
  get cost(): number {
    return this.epcm.cost;
  }

  addCost(ns: number): void {
    this.epcm.cost += ns;
  }

  /** takes the pending cost (the actor advances by it) */
  takeCost(): number {
    const c = this.epcm.cost;
    this.epcm.cost = 0;
    return c;
  }

  /** WARN(): the kernel logs a splat and carries on */
  warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < 100) this.warnings.push(`${this.env.now()} ns: ${message}`);
  }

  nodeOfFrame(frame: number): NumaNode {
    for (const s of this.sections) if (frame < s.first + s.count) return this.nodes[s.node] as NumaNode;
    throw new Error(`Frame ${frame} is outside every EPC section.`);
  }

  /** NUMA node of a CPU: CPUs are spread over nodes in equal contiguous blocks */
  nodeOfCpu(cpu: number): number {
    const perNode = Math.max(1, Math.ceil(this.machine.cpus / this.machine.numaNodes));
    return Math.min(Math.floor(cpu / perNode), this.machine.numaNodes - 1);
  }

  encl(id: number): Encl {
    const e = this.encls[id];
    if (e === undefined) throw new Error(`Enclave ${id} does not exist.`);
    return e;
  }
}
