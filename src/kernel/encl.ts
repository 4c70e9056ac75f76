// struct sgx_encl and the enclave-side paths of encl.c: the fault handler, page loading (ELDU with
// SECS reload), SGX2 EAUG on fault, VA pages and slots, the backing store with its PCMD pages, PTE
// aging and zapping, the enclave cpumask for IPIs, and enclave release.
import { SecsState, enclsFailed } from "../hw/epcm.js";
import {
  ALLOC_MUST_WAIT,
  sgxAllocEpcPage,
  sgxAllocEpcPageAtOnce,
  sgxAllocEpcPageNoReclaim,
  sgxFreeEpcPage,
  sgxMarkPageReclaimable,
  sgxRecordUnreclaimable,
  sgxUnmarkPageReclaimable,
} from "./alloc.js";
import { EBUSY, EFAULT, ENOMEM } from "../lib/errno.js";
import type { Cgroup } from "../cgroup/misc.js";
import { memcgFits, memcgTryCharge, memcgUncharge } from "../cgroup/memory.js";
import { EnclPageMap, EP_HOLDS_SLOT, EP_LOST, EP_PCMD_LIVE, EP_PENDING, PTE_SLOTS_PER_PLANE, pteIndex } from "./encl-page.js";
import { OWNER_ENCL_PAGE, OWNER_VA } from "./epc-page.js";
import { IntrusiveList } from "../lib/intrusive-list.js";
import { SparseInt32Array } from "../lib/sparse-array.js";
import { BackingContents } from "./backing.js";
import {
  PAGE_SIZE,
  PCMDS_PER_PAGE,
  PROT_R,
  PROT_W,
  PROT_X,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_NO_MEMORY,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_ENCL_PAGE_VA_OFFSET_MASK,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_VA_SLOT_COUNT,
} from "./sgx.js";
import type { Mm, Sgx, Task } from "./state.js";
import { PG_EAUG, PG_ELDU, PG_FAULTS, PG_NOPAGE_RETRIES, PG_SIGBUS } from "./paging-accounts.js";
import { KernelOops } from "./bug.js";

/** struct sgx_encl_mm */
export class EnclMm {
  constructor(
    readonly encl: Encl,
    readonly mm: Mm,
    /** which PTE bit pair of EnclPages.pte belongs to this mm */
    readonly slot: number,
  ) {}
}

/** struct sgx_encl */
export class Encl {
  base = 0;
  size = 0;
  flags = 0;
  /**
   * SGX_ENCL_IOCTL, kept apart from `flags` for clarity. Never set: every ioctl on an enclave comes
   * from its process's main thread, one at a time, so sgx_ioctl()'s -EBUSY cannot happen (see
   * test/conformance/README.md, "Behaviours without a case")
   */
  ioctlBusy = false;
  /** encl->lock: held by a kernel section now (sgxEnclLock() .. sgxEnclUnlock()) */
  lockHeld = false;
  /** encl->lock: the simulated time at which its last holder releases it */
  lockFreeAtNs = 0;
  pageCnt = 0;
  secsChildCnt = 0;
  /** increments of secs_child_cnt leaked by failed EEXTENDs (quirk Q2) */
  leakedChildCnt = 0;
  /** children whose EWB failed: their frames were freed while the EPCM still holds them (quirk Q3) */
  ewbLostChildren = 0;
  /** encl->secs: an EnclPages entry of type SECS */
  readonly secsPage: number;
  /** xarray of enclave pages keyed by page index within ELRANGE */
  readonly pageArray: EnclPageMap;
  /** encl->va_pages: pages with free slots first, full ones moved to the tail */
  readonly vaPages: IntrusiveList;
  /** newest first, as list_add_rcu() builds it */
  mmList: EnclMm[] = [];
  mmListVersion = 0;
  refcount = 1;
  attributes = 0n;
  attributesMask = 0n;
  readonly secs: SecsState;
  /** backing shmem: contents pages present (index -> the memcg id charged) and PCMD pages (index -> live entries) */
  readonly backingContents: BackingContents;
  readonly backingPcmd = new SparseInt32Array();
  /** the memcg id each PCMD page is charged to */
  readonly backingPcmdCg = new SparseInt32Array();
  released = false;
  /** when a thread last ran inside the enclave (for the least-recently-active OOM policy) */
  lastActiveNs = 0;

  constructor(
    readonly id: number,
    /** the process that opened /dev/sgx_enclave, for reports */
    readonly ownerName: string,
    sgx: Sgx,
  ) {
    this.pageArray = new EnclPageMap(sgx.enclPages, id);
    this.secsPage = sgx.enclPages.allocDetached(id, 0, SGX_PAGE_TYPE_SECS, 0);
    this.backingContents = new BackingContents(sgx.enclPages, this.pageArray, this);
    this.secs = new SecsState(id);
    this.vaPages = new IntrusiveList(sgx.vaPages);
  }

  /** page index of the SECS in the backing file: PFN_DOWN(size) */
  get secsIndex(): number {
    return Math.floor(this.size / 4096);
  }

  /** shmem pages the backing file holds (contents + PCMD) */
  backingPages(): number {
    return this.backingContents.count + this.backingPcmd.count;
  }
}

export const VA_NONE = 0x7fffffff;

// ---- VA pages (encl.c, ioctl.c) ----------------------------------------------------------------

/** the VA pages of an enclave, head first */
export function enclVaPages(encl: Encl): number[] {
  return encl.vaPages.toArray();
}

function finishVaPage(sgx: Sgx, encl: Encl, frame: number): number {
  const ret = sgx.epcm.epa(frame);
  if (ret !== 0) {
    // mirrors sgx_alloc_va_page(): WARN, EREMOVE + free, -EFAULT
    sgxEnclFreeEpcPage(sgx, frame);
    return -EFAULT;
  }
  const va = sgx.vaPages.alloc(encl.id);
  sgx.vaPages.frame[va] = frame;
  sgx.pages.setOwnerOf(frame, va);
  sgxRecordUnreclaimable(sgx, frame, true);
  return va;
}

/** sgx_encl_grow(encl, reclaim=true): a new VA page when page_cnt % 512 == 0; returns its id, VA_NONE or -errno */
export function* sgxEnclGrow(sgx: Sgx, encl: Encl): Generator<number, number> {
  let va = VA_NONE;
  if (encl.pageCnt % SGX_VA_SLOT_COUNT === 0) {
    const frame = yield* sgxAllocEpcPage(sgx, OWNER_VA, -1);
    if (frame < 0) return frame;
    va = finishVaPage(sgx, encl, frame);
    if (va < 0) return va;
  }
  encl.pageCnt++;
  return va;
}

/**
 * sgx_encl_grow(encl, reclaim=true) when its VA page (if one is due) comes without waiting: what
 * sgxEnclGrow() does then, as plain code; ALLOC_MUST_WAIT, having done nothing, otherwise
 */
export function sgxEnclGrowAtOnce(sgx: Sgx, encl: Encl): number {
  let va = VA_NONE;
  if (encl.pageCnt % SGX_VA_SLOT_COUNT === 0) {
    const frame = sgxAllocEpcPageAtOnce(sgx, OWNER_VA, -1);
    if (frame === ALLOC_MUST_WAIT) return ALLOC_MUST_WAIT;
    va = finishVaPage(sgx, encl, frame);
    if (va < 0) return va;
  }
  encl.pageCnt++;
  return va;
}

/** sgx_encl_grow(encl, reclaim=false) */
export function sgxEnclGrowNoReclaim(sgx: Sgx, encl: Encl): number {
  let va = VA_NONE;
  if (encl.pageCnt % SGX_VA_SLOT_COUNT === 0) {
    const frame = sgxAllocEpcPageNoReclaim(sgx, OWNER_VA, -1);
    if (frame < 0) return frame;
    va = finishVaPage(sgx, encl, frame);
    if (va < 0) return va;
  }
  encl.pageCnt++;
  return va;
}

/** the caller's list_add() of a new VA page (under encl->lock) */
export function sgxEnclAddVaPage(encl: Encl, va: number): void {
  if (va !== VA_NONE) encl.vaPages.addHead(va);
}

/** sgx_encl_shrink(encl, va): undo a grow; `va` is the page the grow created or VA_NONE */
export function sgxEnclShrink(sgx: Sgx, encl: Encl, va: number): void {
  encl.pageCnt--;
  if (va !== VA_NONE) {
    const frame = sgx.vaPages.frame[va] as number;
    // the page may or may not have been list_add()ed yet
    if (encl.vaPages.head === va || sgx.vaPages.prev[va] !== -1) encl.vaPages.remove(va);
    sgxEnclFreeEpcPage(sgx, frame);
    sgx.vaPages.release(va);
  }
}

// ---- freeing enclave frames ---------------------------------------------------------------------

/** mirrors sgx_encl_free_epc_page(): EREMOVE, then free; a failed EREMOVE leaks the frame */
export function sgxEnclFreeEpcPage(sgx: Sgx, frame: number): void {
  const ret = sgx.epcm.eremove(frame);
  if (ret !== 0) {
    sgx.warn(`EREMOVE returned ${ret} on frame ${frame}: the page is leaked`);
    sgx.leaked++;
    return;
  }
  sgxFreeEpcPage(sgx, frame);
}

// ---- backing store ----------------------------------------------------------------------------

/** PCMD page index (within the PCMD area) of backing page `index` */
function pcmdPageOf(index: number): number {
  return Math.floor(index / PCMDS_PER_PAGE);
}

/**
 * mirrors sgx_encl_get_mem_cgroup(): the memcg the backing store is charged to — current's, unless
 * the reclaimer is a kernel thread (ksgxd, the cgroup work queue), then that of an mm of the enclave
 */
function backingMemcg(sgx: Sgx, encl: Encl): Cgroup {
  const current = sgx.env.current();
  if (current.mm !== null) return current.cgroup ?? sgx.cgroups.root;
  for (const m of encl.mmList) if (!m.mm.exiting && m.mm.cgroup !== null) return m.mm.cgroup;
  return sgx.cgroups.root;
}

/** MAX_RECLAIM_RETRIES (mm/internal.h) */
export const MAX_RECLAIM_RETRIES = 16;

/**
 * mirrors try_charge_memcg() (mm/memcontrol.c) for one shmem backing page: the mapping's gfp
 * (GFP_HIGHUSER_MOVABLE) may block and has none of __GFP_NORETRY, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL.
 * A failed charge raises `max`, reclaims (with no swap nothing here is reclaimable, so margin and
 * nr_reclaimed stay 0), retries once after draining the per-CPU stocks and then MAX_RECLAIM_RETRIES
 * times; then mem_cgroup_oom(): while it kills a victim or finds one still exiting, the count starts
 * over and the charge is retried, so the page is created once the victim's memory is gone. It fails
 * (-ENOMEM: the page is not created) when the OOM killer finds no one, or for a dying task that has
 * already been past the OOM killer. Each attempt costs one backingAlloc; per-CPU stock batching
 * (MEMCG_CHARGE_BATCH) is not modelled.
 */
function* chargeBackingPage(sgx: Sgx, cg: Cgroup): Generator<number, boolean> {
  let nrRetries = MAX_RECLAIM_RETRIES;
  let drained = false;
  let passedOom = false;
  let retried = false;
  try {
    for (;;) {
      const over = memcgTryCharge(cg, PAGE_SIZE);
      if (over === null) return true;
      // try_to_free_mem_cgroup_pages() finds nothing; then drain_all_stock() once, then the retries
      sgx.addCost(sgx.costs.backingAlloc);
      let killed = false;
      if (!drained) drained = true;
      else if (nrRetries-- === 0) {
        // task_is_dying(): the task was killed itself, e.g. by this OOM killer
        if (passedOom && sgx.env.current().signalPending()) break;
        const kills = sgx.counters.memcgOomKills;
        if (!sgx.env.memcgOom(over)) break;
        // true without a kill: a victim is still exiting and the charge waits for its memory
        killed = sgx.counters.memcgOomKills > kills;
        passedOom = true;
        nrRetries = MAX_RECLAIM_RETRIES;
      }
      sgx.env.kernelLoop(MEMCG_CHARGE_LOOP, killed, over);
      retried = true;
      yield sgx.takeCost();
    }
  } finally {
    if (retried) sgx.env.kernelLoop(MEMCG_CHARGE_LOOP, true, cg);
  }
  sgx.counters.memcgChargeFailures++;
  return false;
}

/** the livelock guard's name for the memcg charge loop (KernelEnv.kernelLoop) */
export const MEMCG_CHARGE_LOOP = "try_charge_memcg()";

function unchargeBackingPage(sgx: Sgx, memcgId: number): void {
  const cg = sgx.cgroups.all[memcgId];
  if (cg !== undefined) memcgUncharge(cg, PAGE_SIZE);
}

/** sgxEnclAllocBackingNoWait(): a shmem page must be charged to a memcg at its limit */
export const BACKING_MUST_WAIT = 1;

/**
 * sgx_encl_alloc_backing() when its memcg charges cannot fail (the usual case): the same effects
 * as sgxEnclAllocBacking() without a generator. BACKING_MUST_WAIT, having done nothing, when a
 * charge could fail and the retrying path must run instead.
 */
export function sgxEnclAllocBackingNoWait(sgx: Sgx, encl: Encl, index: number): number {
  const cg = backingMemcg(sgx, encl);
  const newContents = encl.backingContents.get(index) < 0;
  const p = pcmdPageOf(index);
  const newPcmd = encl.backingPcmd.get(p) < 0;
  const newPages = (newContents ? 1 : 0) + (newPcmd ? 1 : 0);
  if (newPages > 0 && !memcgFits(cg, newPages * PAGE_SIZE)) return BACKING_MUST_WAIT;
  sgx.addCost(sgx.costs.backingAlloc);
  if (newContents) {
    memcgTryCharge(cg, PAGE_SIZE);
    encl.backingContents.set(index, cg.id);
  }
  if (newPcmd) {
    memcgTryCharge(cg, PAGE_SIZE);
    encl.backingPcmd.set(p, 0);
    encl.backingPcmdCg.set(p, cg.id);
  }
  return 0;
}

/** sgx_encl_alloc_backing(): get (and create) the contents page and the PCMD page: 0 or -ENOMEM */
export function* sgxEnclAllocBacking(sgx: Sgx, encl: Encl, index: number): Generator<number, number> {
  sgx.addCost(sgx.costs.backingAlloc);
  const cg = backingMemcg(sgx, encl);
  const newContents = encl.backingContents.get(index) < 0;
  if (newContents) {
    if (!(yield* chargeBackingPage(sgx, cg))) return -ENOMEM;
    encl.backingContents.set(index, cg.id);
  }
  const p = pcmdPageOf(index);
  if (encl.backingPcmd.get(p) < 0) {
    if (!(yield* chargeBackingPage(sgx, cg))) {
      // __sgx_encl_get_backing() drops the contents page when the PCMD page fails
      if (newContents) {
        unchargeBackingPage(sgx, cg.id);
        encl.backingContents.set(index, -1);
      }
      return -ENOMEM;
    }
    encl.backingPcmd.set(p, 0);
    encl.backingPcmdCg.set(p, cg.id);
  }
  return 0;
}

/** sgx_encl_truncate_backing_page() of a contents page */
function truncateContents(sgx: Sgx, encl: Encl, index: number): void {
  const memcgId = encl.backingContents.get(index);
  if (memcgId < 0) return;
  unchargeBackingPage(sgx, memcgId);
  encl.backingContents.set(index, -1);
}

/** sgx_encl_truncate_backing_page() of a PCMD page */
function truncatePcmd(sgx: Sgx, encl: Encl, p: number): void {
  if (encl.backingPcmd.get(p) < 0) return;
  unchargeBackingPage(sgx, encl.backingPcmdCg.get(p));
  encl.backingPcmd.set(p, -1);
  encl.backingPcmdCg.set(p, -1);
}

/** fput() of the backing file at release: every shmem page goes */
function dropBacking(sgx: Sgx, encl: Encl): void {
  encl.backingContents.forEachCharge((memcgId) => unchargeBackingPage(sgx, memcgId));
  encl.backingPcmdCg.forEach(0, 2 ** 31 - 1, (_i, memcgId) => unchargeBackingPage(sgx, memcgId));
  encl.backingContents.clear();
  encl.backingPcmd.clear();
  encl.backingPcmdCg.clear();
}

/** a successful EWB wrote the PCMD entry of `index` (page `ep`) */
function pcmdWritten(sgx: Sgx, encl: Encl, ep: number, index: number): void {
  const p = pcmdPageOf(index);
  encl.backingPcmd.set(p, Math.max(encl.backingPcmd.get(p), 0) + 1);
  sgx.enclPages.setFlags(ep, sgx.enclPages.flagsOf(ep) | EP_PCMD_LIVE);
}

/** mirrors reclaimer_writing_to_pcmd(): a sibling sharing the PCMD page is about to be written */
function reclaimerWritingToPcmd(sgx: Sgx, encl: Encl, firstIndex: number): boolean {
  const ep = sgx.enclPages;
  const limit = encl.secsIndex;
  for (let i = 0; i < PCMDS_PER_PAGE; i++) {
    const idx = firstIndex + i;
    if (idx >= limit) break;
    const e = encl.pageArray.get(idx);
    if (e >= 0 && ep.frameOf(e) >= 0 && (ep.descOf(e) & SGX_ENCL_PAGE_BEING_RECLAIMED) !== 0)
      return true;
  }
  return false;
}

// ---- EWB and ELDU -----------------------------------------------------------------------------

/** mirrors sgx_encl_ewb() (main.c): EWB, then ETRACK + EWB, then IPI + EWB */
export function sgxEnclEwb(sgx: Sgx, encl: Encl, ep: number, frame: number, isSecs: boolean): number {
  const pages = sgx.enclPages;
  const vaPages = sgx.vaPages;
  pages.setDesc(ep, pages.descOf(ep) & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  const va = encl.vaPages.head;
  const vaOffset = vaPages.allocSlot(va);
  if (vaPages.isFull(va)) {
    encl.vaPages.remove(va);
    encl.vaPages.addTail(va);
  }
  const index = isSecs ? encl.secsIndex : pages.index(ep);
  sgx.addCost(sgx.costs.backingCopy);
  let ret = sgx.epcm.ewb(frame, encl.secs, isSecs);
  if (ret === 11 /* SGX_NOT_TRACKED */) {
    sgx.epcm.etrack(encl.secs);
    ret = sgx.epcm.ewb(frame, encl.secs, isSecs);
    if (ret === 11) {
      // the cpumask is computed after the ETRACK, then every CPU in it is interrupted
      sgxEnclIpi(sgx, encl);
      ret = sgx.epcm.ewb(frame, encl.secs, isSecs);
    }
  }
  // a failed EWB writes no PCMD entry (__sgx_encl_ewb() only dirties the page), so the PCMD page
  // can become all zero, and be truncated, while this page's slot was never written
  if (ret === 0) pcmdWritten(sgx, encl, ep, index);
  if (ret !== 0) {
    sgx.warn(`EWB failed with ${ret} for enclave ${encl.id}; the page is lost`);
    // quirk Q3: the slot is released and desc gets no offset; the page is lost
    vaPages.freeSlot(va, vaOffset);
    pages.setFlags(ep, pages.flagsOf(ep) | EP_LOST);
    // the caller frees the frame without EREMOVE: it goes back to the free list still valid
    sgx.ewbLostFrames.add(frame);
    if (!isSecs) encl.ewbLostChildren++;
  } else {
    pages.setDesc(ep, pages.descOf(ep) | vaOffset);
    pages.setEvicted(ep, va);
    pages.setPcmd(ep, sgx.epcm.pcmdOut);
    pages.setFlags(ep, pages.flagsOf(ep) | EP_HOLDS_SLOT);
  }
  return ret;
}

/** mirrors __sgx_encl_eldu(): ELDU, then zero the PCMD entry and truncate backing pages */
function __sgxEnclEldu(sgx: Sgx, encl: Encl, ep: number, frame: number, secsFrame: number): number {
  const pages = sgx.enclPages;
  const isSecs = ep === encl.secsPage;
  const index = isSecs ? encl.secsIndex : pages.index(ep);
  const pcmdFirst = index - (index % PCMDS_PER_PAGE);
  sgx.addCost(sgx.costs.backingCopy);
  const intact = (pages.flagsOf(ep) & EP_LOST) === 0;
  let ret = sgx.epcm.eldu(frame, pages.type(ep), isSecs ? null : encl.secs, secsFrame, intact, encl.secs, pages.pcmdOf(ep));
  sgx.accountFrame(PG_ELDU, frame);
  if (ret !== 0) {
    if (enclsFailed(ret)) sgx.warn(`ELDU failed with ${ret} for enclave ${encl.id}; the page is lost`);
    ret = -EFAULT;
  }
  // whether or not ELDU succeeded: zero the PCMD entry and truncate the contents page (quirk Q4);
  // the PCMD page goes when no entry in it holds data any more (memchr_inv() of the whole page)
  const p = pcmdPageOf(index);
  const flags = pages.flagsOf(ep);
  let live = encl.backingPcmd.get(p);
  if (live > 0 && (flags & EP_PCMD_LIVE) !== 0) encl.backingPcmd.set(p, --live);
  pages.setFlags(ep, flags & ~EP_PCMD_LIVE);
  truncateContents(sgx, encl, index);
  // (a PCMD page that is not there reads as zeroes: shmem would create it and it is truncated at once)
  if (live === 0 && !reclaimerWritingToPcmd(sgx, encl, pcmdFirst)) truncatePcmd(sgx, encl, p);
  if (ret !== 0) pages.setFlags(ep, pages.flagsOf(ep) | EP_LOST);
  return ret;
}

/** mirrors sgx_encl_eldu(): allocate without reclaim, reload, release the VA slot */
export function sgxEnclEldu(sgx: Sgx, encl: Encl, ep: number, secsFrame: number): number {
  const pages = sgx.enclPages;
  // encl_page->va_page is set only by a successful EWB: a page whose first EWB failed (quirk Q3) has
  // none, and __sgx_encl_eldu() dereferences it to compute the ELDU's VA slot. (The kernel gets
  // there after allocating the frame and looking up the backing; the run stops either way.)
  if (!pages.hasVaPage(ep)) {
    const what = ep === encl.secsPage ? "the SECS" : `page ${pages.index(ep)}`;
    throw new KernelOops("__sgx_encl_eldu", `NULL dereference of the page's VA page (encl_page->va_page) reloading ${what} of enclave ${encl.id}, whose first EWB failed`);
  }
  const frame = sgxAllocEpcPageNoReclaim(sgx, OWNER_ENCL_PAGE, ep);
  if (frame < 0) return frame;
  const ret = __sgxEnclEldu(sgx, encl, ep, frame, secsFrame);
  if (ret !== 0) {
    sgxEnclFreeEpcPage(sgx, frame);
    return ret;
  }
  const va = pages.vaPageOf(ep);
  const desc = pages.descOf(ep);
  sgx.vaPages.freeSlot(va, desc & SGX_ENCL_PAGE_VA_OFFSET_MASK);
  encl.vaPages.remove(va);
  encl.vaPages.addHead(va);
  pages.setDesc(ep, desc & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  pages.setFlags(ep, pages.flagsOf(ep) & ~EP_HOLDS_SLOT);
  pages.setFrame(ep, frame);
  if (ep === encl.secsPage) sgx.counters.secsReloaded++;
  return 0;
}

/** mirrors sgx_encl_load_secs() */
function sgxEnclLoadSecs(sgx: Sgx, encl: Encl): number {
  if (sgx.enclPages.frameOf(encl.secsPage) < 0) {
    const ret = sgxEnclEldu(sgx, encl, encl.secsPage, -1);
    if (ret === 0) sgxRecordUnreclaimable(sgx, sgx.enclPages.frameOf(encl.secsPage), false);
    return ret;
  }
  return 0;
}

/** mirrors __sgx_encl_load_page(): 0 when `ep` is resident afterwards, else -errno */
export function __sgxEnclLoadPage(sgx: Sgx, encl: Encl, ep: number): number {
  const pages = sgx.enclPages;
  if (pages.frameOf(ep) >= 0) {
    return (pages.descOf(ep) & SGX_ENCL_PAGE_BEING_RECLAIMED) !== 0 ? -EBUSY : 0;
  }
  let ret = sgxEnclLoadSecs(sgx, encl);
  if (ret !== 0) return ret;
  // quirk Q5: if the child's reload fails below, the SECS stays resident with no resident child
  ret = sgxEnclEldu(sgx, encl, ep, pages.frameOf(encl.secsPage));
  if (ret !== 0) return ret;
  encl.secsChildCnt++;
  sgxMarkPageReclaimable(sgx, pages.frameOf(ep));
  return 0;
}

/** mirrors sgx_encl_load_page() (no VMA permission check; SGX2 ioctls): the entry, or -errno */
export function sgxEnclLoadPage(sgx: Sgx, encl: Encl, index: number): number {
  const ep = encl.pageArray.get(index);
  if (ep < 0) return -EFAULT;
  const ret = __sgxEnclLoadPage(sgx, encl, ep);
  return ret < 0 ? ret : ep;
}

// ---- PTEs: aging and zapping -------------------------------------------------------------------

/** the present bit of mm slot `slot` within its plane (EnclPages.ptePlane(slot)) */
export function ptePresentBit(slot: number): number {
  return 1 << (2 * (slot % PTE_SLOTS_PER_PLANE));
}

/** the accessed bit of mm slot `slot` within its plane */
export function pteAccessedBit(slot: number): number {
  return 2 << (2 * (slot % PTE_SLOTS_PER_PLANE));
}

/** mirrors sgx_reclaimer_age(): true when no mm reports the page young (aging stops at the first young mm, Q8) */
export function sgxReclaimerAge(sgx: Sgx, encl: Encl, ep: number): boolean {
  const pages = sgx.enclPages;
  for (const encl_mm of encl.mmList) {
    if (encl_mm.mm.exiting) continue;
    sgx.addCost(sgx.costs.ageScan);
    const a = pteAccessedBit(encl_mm.slot);
    const plane = pages.ptePlane(encl_mm.slot);
    const pte = plane[pteIndex(ep)] as number;
    if ((pte & a) !== 0) {
      plane[pteIndex(ep)] = pte & ~a;
      return false;
    }
  }
  return true;
}

/** mirrors sgx_zap_enclave_ptes() for one page: every live mm loses its PTE */
export function sgxZapEnclavePtes(sgx: Sgx, encl: Encl, ep: number): void {
  let live = 0;
  for (const encl_mm of encl.mmList) if (!encl_mm.mm.exiting) live++;
  sgx.addCost(sgx.costs.pteZap * live);
  sgx.enclPages.clearPtes(ep);
}

/** mirrors sgx_encl_cpumask() + on_each_cpu_mask(..., wait=1): interrupt every CPU running one of the enclave's mms */
export function sgxEnclIpi(sgx: Sgx, encl: Encl): void {
  const targets: Task[] = [];
  for (const encl_mm of encl.mmList) {
    if (encl_mm.mm.exiting) continue;
    for (const t of encl_mm.mm.running) targets.push(t);
  }
  // an empty mask sends nothing
  if (targets.length === 0) return;
  sgx.counters.ipi++;
  sgx.counters.ipiCpus += targets.length;
  sgx.addCost(sgx.costs.ipiNs(targets.length));
  for (const t of targets) sgx.env.interrupt(t);
}

// ---- the fault handler -------------------------------------------------------------------------

export const VM_FAULT_NOPAGE = 0;
export const VM_FAULT_SIGBUS = 1;
export const VM_FAULT_OOM = 2;

/** the enclave's mm slot for `mm`, or -1 */
export function enclMmSlot(encl: Encl, mm: Mm): number {
  for (const m of encl.mmList) if (m.mm === mm) return m.slot;
  return -1;
}

/**
 * mutex_lock(&encl->lock). Kernel sections run atomically at the instant they start and then
 * advance their actor's clock by their cost, so the mutex is a reservation in time: a section that
 * takes the lock while another holder's section has not yet ended (in simulated time) waits until
 * it has, on its CPU (the mutex's optimistic spinning on a running owner). Holders are served in
 * the order the simulator runs their sections. `options.enclLock: false` turns the wait off.
 */
export function sgxEnclLock(sgx: Sgx, encl: Encl): void {
  encl.lockHeld = true;
  if (sgx.options.enclLock === false) return;
  const at = sgx.env.now() + sgx.cost;
  if (encl.lockFreeAtNs > at) {
    const wait = encl.lockFreeAtNs - at;
    sgx.counters.enclLockWaits++;
    sgx.counters.enclLockWaitNs += wait;
    sgx.addCost(wait);
  }
}

/** mutex_unlock(&encl->lock); a no-op when the caller does not hold it (an early exit of a loop) */
export function sgxEnclUnlock(sgx: Sgx, encl: Encl): void {
  if (!encl.lockHeld) return;
  encl.lockHeld = false;
  encl.lockFreeAtNs = Math.max(encl.lockFreeAtNs, sgx.env.now() + sgx.cost);
}

/**
 * mirrors sgx_vma_fault(): a fault at enclave page `index` from a VMA with protection `vmProt`
 * in the mm whose slot is `slot`. NOPAGE either installed the PTE or asks for a retry.
 */
export function sgxVmaFault(sgx: Sgx, encl: Encl, slot: number, index: number, vmProt: number): number {
  sgx.counters.faults++;
  sgx.account(PG_FAULTS);
  sgx.addCost(sgx.costs.faultEntry);
  // v5: an enclave the OOM path chose faults no more pages in
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return sigbus(sgx);
  const pages = sgx.enclPages;
  const ep = encl.pageArray.get(index);
  if (sgx.machine.sgx2 && ep < 0) return sgxEnclEaugPage(sgx, encl, slot, index);
  if (ep < 0) return sigbus(sgx);
  if ((vmProt & ~pages.maxProt(ep) & (PROT_R | PROT_W | PROT_X)) !== 0) return sigbus(sgx);
  sgxEnclLock(sgx, encl);
  const r = sgxVmaFaultLocked(sgx, encl, slot, index, ep);
  sgxEnclUnlock(sgx, encl);
  return r;
}

/** sgx_vma_fault() under encl->lock: load the page (ELDU if it is out) and insert the PTE */
function sgxVmaFaultLocked(sgx: Sgx, encl: Encl, slot: number, index: number, ep: number): number {
  const pages = sgx.enclPages;
  const ret = __sgxEnclLoadPage(sgx, encl, ep);
  if (ret === -EBUSY) {
    sgx.counters.faultRetries++;
    sgx.account(PG_NOPAGE_RETRIES);
    return VM_FAULT_NOPAGE;
  }
  if (ret < 0) return sigbus(sgx);
  // vmf_insert_pfn(), then the A-bit of the new PTE is cleared (quirk Q17)
  ep = encl.pageArray.get(index);
  const plane = pages.ptePlane(slot);
  plane[pteIndex(ep)] = ((plane[pteIndex(ep)] as number) | ptePresentBit(slot)) & ~pteAccessedBit(slot);
  return VM_FAULT_NOPAGE;
}

function sigbus(sgx: Sgx): number {
  sgx.counters.sigbus++;
  sgx.account(PG_SIGBUS);
  return VM_FAULT_SIGBUS;
}

/**
 * mirrors sgx_encl_eaug_page(), the part after sgx_vma_fault()'s unlocked "no entry" check; the
 * simulator lets time pass between the two, which is where the EAUG race (quirk Q11) lives
 */
export function sgxEnclEaugPage(sgx: Sgx, encl: Encl, slot: number, index: number): number {
  sgxEnclLock(sgx, encl);
  const r = sgxEnclEaugPageLocked(sgx, encl, slot, index);
  sgxEnclUnlock(sgx, encl);
  return r;
}

function sgxEnclEaugPageLocked(sgx: Sgx, encl: Encl, slot: number, index: number): number {
  const pages = sgx.enclPages;
  if ((encl.flags & SGX_ENCL_INITIALIZED) === 0 || (encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return sigbus(sgx);
  const ep = pages.alloc(encl.pageArray, index, SGX_PAGE_TYPE_REG, PROT_R | PROT_W | PROT_X);
  // -EBUSY from any allocation below is a NOPAGE retry, anything else SIGBUS
  const bail = (err: number): number => {
    pages.release(ep);
    if (err !== -EBUSY) return sigbus(sgx);
    sgx.counters.faultRetries++;
    sgx.account(PG_NOPAGE_RETRIES);
    return VM_FAULT_NOPAGE;
  };
  let ret = sgxEnclLoadSecs(sgx, encl);
  if (ret < 0) return bail(ret);
  const frame = sgxAllocEpcPageNoReclaim(sgx, OWNER_ENCL_PAGE, ep);
  if (frame < 0) return bail(frame);
  const va = sgxEnclGrowNoReclaim(sgx, encl);
  if (va < 0) {
    sgxEnclFreeEpcPage(sgx, frame);
    return bail(va);
  }
  sgxEnclAddVaPage(encl, va);
  if (encl.pageArray.get(index) >= 0) {
    // xa_insert() -EBUSY: another thread added this page after our unlocked check (quirk Q11)
    sgxEnclShrink(sgx, encl, va);
    sgxEnclFreeEpcPage(sgx, frame);
    pages.release(ep);
    return sgx.options.eaugRaceFix ? VM_FAULT_NOPAGE : sigbus(sgx);
  }
  encl.pageArray.set(index, ep);
  ret = sgx.epcm.eaug(frame, encl.secs);
  sgx.accountFrame(PG_EAUG, frame);
  if (ret !== 0) {
    encl.pageArray.set(index, -1);
    sgxEnclShrink(sgx, encl, va);
    sgxEnclFreeEpcPage(sgx, frame);
    pages.release(ep);
    return sigbus(sgx);
  }
  pages.setFrame(ep, frame);
  pages.setFlags(ep, pages.flagsOf(ep) | EP_PENDING);
  encl.secsChildCnt++;
  sgxMarkPageReclaimable(sgx, frame);
  // vmf_insert_pfn() installs a young PTE; unlike sgx_vma_fault(), the EAUG path does not clear
  // the A-bit (quirk Q17), so the page looks accessed to the reclaimer before the retried access
  const plane = pages.ptePlane(slot);
  plane[pteIndex(ep)] = (plane[pteIndex(ep)] as number) | ptePresentBit(slot) | pteAccessedBit(slot);
  return VM_FAULT_NOPAGE;
}

// ---- mm list -----------------------------------------------------------------------------------

/** mirrors sgx_encl_mm_add(): 0 (the kernel puts no bound on the number of mms), or -ENOMEM (v5 NO_MEMORY) */
export function sgxEnclMmAdd(encl: Encl, mm: Mm): number {
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return -ENOMEM;
  if (enclMmSlot(encl, mm) >= 0) return 0;
  // the lowest free PTE slot
  let slot = 0;
  while (encl.mmList.some((m) => m.slot === slot)) slot++;
  encl.refcount++;
  encl.mmList.unshift(new EnclMm(encl, mm, slot));
  encl.mmListVersion++;
  return 0;
}

/** mirrors sgx_mmu_notifier_release() + sgx_mmu_notifier_free(): the mm leaves the list, its PTEs go, its ref is dropped */
export function sgxEnclMmRemove(sgx: Sgx, encl: Encl, mm: Mm): void {
  const i = encl.mmList.findIndex((m) => m.mm === mm);
  if (i < 0) return;
  const slot = (encl.mmList[i] as EnclMm).slot;
  encl.mmList.splice(i, 1);
  encl.mmListVersion++;
  const keep = ~(ptePresentBit(slot) | pteAccessedBit(slot));
  const plane = sgx.enclPages.ptePlane(slot);
  encl.pageArray.forEach(0, encl.secsIndex, (_idx, ep) => {
    plane[pteIndex(ep)] = (plane[pteIndex(ep)] as number) & keep;
  });
  sgxEnclPut(sgx, encl);
}

// ---- release -----------------------------------------------------------------------------------

/** kref_put(&encl->refcount, sgx_encl_release) */
export function sgxEnclPut(sgx: Sgx, encl: Encl): void {
  encl.refcount--;
  if (encl.refcount === 0) sgxEnclRelease(sgx, encl);
}

/** mirrors sgx_encl_release() */
export function sgxEnclRelease(sgx: Sgx, encl: Encl): void {
  const pages = sgx.enclPages;
  // fput() of the backing file comes last in the kernel; its contents pages are kept in the page
  // records, so their charges go first (nothing in between looks at a memcg)
  dropBacking(sgx, encl);
  const entries: number[] = [];
  encl.pageArray.forEach(0, encl.secsIndex, (_idx, ep) => entries.push(ep));
  for (const ep of entries) {
    const frame = pages.frameOf(ep);
    if (frame >= 0) {
      // a page the reclaimer holds is skipped entirely (cannot happen: it holds an enclave ref)
      if (sgxUnmarkPageReclaimable(sgx, frame) === -EBUSY) continue;
      sgxEnclFreeEpcPage(sgx, frame);
      encl.secsChildCnt--;
      pages.setFrame(ep, -1);
    }
    pages.release(ep);
  }
  encl.pageArray.clear();
  const secsFrame = pages.frameOf(encl.secsPage);
  if (encl.secsChildCnt === 0 && secsFrame >= 0) {
    sgxEnclFreeEpcPage(sgx, secsFrame);
    pages.setFrame(encl.secsPage, -1);
  }
  while (!encl.vaPages.isEmpty()) {
    const va = encl.vaPages.head;
    encl.vaPages.remove(va);
    sgxEnclFreeEpcPage(sgx, sgx.vaPages.frame[va] as number);
    sgx.vaPages.release(va);
  }
  if (encl.secsChildCnt !== 0 || pages.frameOf(encl.secsPage) >= 0) {
    sgx.warn(`Detect EPC page leak's: enclave ${encl.id} released with secs_child_cnt ${encl.secsChildCnt}`);
    // the SECS frame stays allocated: it is leaked like any frame the kernel can no longer free
    if (pages.frameOf(encl.secsPage) >= 0) sgx.leaked++;
  }
  pages.release(encl.secsPage);
  encl.released = true;
}

/** helper for checks: is the enclave page evicted (has an entry, no frame, not lost)? */
export function isEvicted(sgx: Sgx, ep: number): boolean {
  return sgx.enclPages.frameOf(ep) < 0 && (sgx.enclPages.flagsOf(ep) & EP_LOST) === 0;
}

