// The reclaimer (main.c): sgx_reclaim_pages() in its four phases — isolate, age and reserve backing,
// block, write back — with the SECS eviction after the last resident child, and ksgxd with its
// 32/64-page watermarks. Phases are separated by yields so that faults and ioctls running between
// them see pages isolated or BEING_RECLAIMED, as they can on a real machine.
import { SGX_EPC_PAGE_RECLAIMER_TRACKED } from "./epc-page.js";
import {
  BACKING_MUST_WAIT,
  sgxEnclAllocBacking,
  sgxEnclAllocBackingNoWait,
  sgxEnclEwb,
  sgxEnclFreeEpcPage,
  sgxEnclLock,
  sgxEnclPut,
  sgxEnclUnlock,
  sgxReclaimerAge,
  sgxZapEnclavePtes,
  type Encl,
} from "./encl.js";
import { sgxFreeEpcPage, sgxShouldReclaim } from "./alloc.js";
import { SGX_ENCL_INITIALIZED, SGX_ENCL_PAGE_BEING_RECLAIMED, SGX_NR_HIGH_PAGES, SGX_NR_TO_SCAN } from "./sgx.js";
import type { Sgx } from "./state.js";
import type { FrameList } from "./epc-page.js";
import type { Cgroup } from "../cgroup/misc.js";
import { sgxReclaimPagesGlobal } from "./epc-cgroup.js";
import { PG_EWB_PAGES, PG_RECLAIMED_FROM } from "./paging-accounts.js";
import { grown } from "../lib/grown.js";

/** one more batch, counted for whoever runs it, so that the three kinds add up to the total */
function countBatch(sgx: Sgx): void {
  const c = sgx.counters;
  c.reclaimBatches++;
  const who = sgx.env.current().reclaimer;
  if (who === "ksgxd") c.ksgxdBatches++;
  else if (who === "work") c.workBatches++;
  else c.directReclaimBatches++;
}

/** what one batch did, counted by the batch itself (other batches run between its phases) */
interface BatchStats {
  young: number;
}

/** pages written back and freed by the batches of one call, for a retry loop's progress (KernelEnv.kernelLoop) */
export interface ReclaimTally {
  written: number;
}

/**
 * The pages one batch isolated: frame and enclave page per slot, in typed arrays (a batch holds at
 * most SGX_NR_TO_SCAN, or v5's nr_to_scan). Batches interleave at their yields, so each has its own;
 * finished ones are pooled.
 */
export class IsolatedPages {
  frame: Int32Array;
  ep: Int32Array;
  n = 0;
  /** the pages' PTE words or'ed (EnclPages.prefetch()): kept so that the reads are not optimised away */
  touched = 0;
  constructor(capacity: number) {
    this.frame = new Int32Array(capacity);
    this.ep = new Int32Array(capacity);
  }
  push(frame: number, ep: number): void {
    if (this.n === this.frame.length) {
      this.frame = grown(this.frame, this.n * 2);
      this.ep = grown(this.ep, this.n * 2);
    }
    this.frame[this.n] = frame;
    this.ep[this.n] = ep;
    this.n++;
  }
}

function takeChunk(sgx: Sgx): IsolatedPages {
  const c = sgx.isolatedPool.pop() ?? new IsolatedPages(SGX_NR_TO_SCAN_MAX);
  c.n = 0;
  return c;
}

function giveChunk(sgx: Sgx, c: IsolatedPages): void {
  if (sgx.isolatedPool.length < 64) sgx.isolatedPool.push(c);
}

/** the enclave of isolated enclave page `ep` */
function enclOfPage(sgx: Sgx, ep: number): Encl {
  return sgx.encl(sgx.enclPages.enclOf(ep));
}

function putBack(sgx: Sgx, frame: number, encl: Encl): void {
  // list_add_tail on the page's own LRU; TRACKED is still set
  sgx.lruOf(frame).addTail(frame);
  sgxEnclPut(sgx, encl);
}

/** mirrors sgx_reclaimer_block(): zap the PTEs in every mm, then EBLOCK */
function sgxReclaimerBlock(sgx: Sgx, encl: Encl, ep: number, frame: number): void {
  sgxZapEnclavePtes(sgx, encl, ep);
  sgxEnclLock(sgx, encl);
  sgx.epcm.eblock(frame, encl.secs);
  sgxEnclUnlock(sgx, encl);
}

/**
 * mirrors sgx_reclaimer_write(), the page's part: EWB it; true when it was the last resident child
 * of an initialized enclave, whose SECS is then written too (sgxReclaimerWriteSecs())
 */
function sgxReclaimerWrite(sgx: Sgx, encl: Encl, ep: number, frame: number): boolean {
  const pages = sgx.enclPages;
  sgxEnclEwb(sgx, encl, ep, frame, false);
  pages.setFrame(ep, -1);
  encl.secsChildCnt--;
  sgx.counters.pagesReclaimed++;
  sgx.accountFrame(PG_EWB_PAGES, frame);
  // (with a Q2 leak secs_child_cnt never reaches 0 and the SECS stays resident)
  return encl.secsChildCnt === 0 && (encl.flags & SGX_ENCL_INITIALIZED) !== 0;
}

/** the rest of sgx_reclaimer_write(): EWB the SECS after its last resident child */
function* sgxReclaimerWriteSecs(sgx: Sgx, encl: Encl): Generator<number, void> {
  const pages = sgx.enclPages;
  const secsFrame = pages.frameOf(encl.secsPage);
  // without backing for it, the SECS stays resident
  if ((yield* sgxEnclAllocBacking(sgx, encl, encl.secsIndex)) === 0) {
    const ret = sgxEnclEwb(sgx, encl, encl.secsPage, secsFrame, true);
    if (ret === 0) sgx.counters.secsEvicted++;
    // EREMOVE after a successful EWB is a no-op on the now invalid frame
    sgxEnclFreeEpcPage(sgx, secsFrame);
    pages.setFrame(encl.secsPage, -1);
  }
}

/** phase 1 on one LRU: isolate up to `max` pages from its head into `chunk`; returns the pages examined */
function isolateFrom(sgx: Sgx, lru: FrameList, max: number, chunk: IsolatedPages): number {
  const pages = sgx.pages;
  const encls = sgx.enclPages;
  let scanned = 0;
  while (scanned < max && !lru.isEmpty()) {
    const frame = lru.popHead();
    scanned++;
    const ep = pages.ownerOf(frame);
    const encl = sgx.encl(encls.enclOf(ep));
    if (encl.refcount > 0) {
      encl.refcount++;
      sgx.accountFrame(PG_RECLAIMED_FROM, frame);
      chunk.push(frame, ep);
    } else {
      // the enclave is being released: let release free it
      pages.setFlags(frame, pages.flags(frame) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  return scanned;
}

/**
 * phases 2-4 on isolated pages: age (unless `ignoreAge`) and reserve backing, block, write back and
 * free; pages beyond `maxAccept`, young ones and ones without backing go back. Returns pages freed.
 * Gives `chunk` back to the pool.
 */
function* reclaimIsolated(sgx: Sgx, chunk: IsolatedPages, ignoreAge: boolean, maxAccept: number, stats: BatchStats): Generator<number, number> {
  const pages = sgx.pages;
  const encls = sgx.enclPages;
  const frames = chunk.frame;
  const eps = chunk.ep;
  // phase 2: age and reserve backing; the pages kept are compacted to the front
  chunk.touched = encls.prefetch(eps, chunk.n);
  let kept = 0;
  for (let k = 0; k < chunk.n; k++) {
    const frame = frames[k] as number;
    const ep = eps[k] as number;
    const encl = enclOfPage(sgx, ep);
    if (kept === maxAccept || (!ignoreAge && !sgxReclaimerAge(sgx, encl, ep))) {
      sgx.counters.pagesSkippedYoung++;
      stats.young++;
      putBack(sgx, frame, encl);
      continue;
    }
    // under encl->lock (the memcg's retries between attempts are not modelled as holding it)
    sgxEnclLock(sgx, encl);
    const index = encls.index(ep);
    let ret = sgxEnclAllocBackingNoWait(sgx, encl, index);
    if (ret === BACKING_MUST_WAIT) ret = yield* sgxEnclAllocBacking(sgx, encl, index);
    if (ret !== 0) {
      sgxEnclUnlock(sgx, encl);
      // e.g. the memcg refused the shmem pages: the page goes back to the LRU
      putBack(sgx, frame, encl);
      continue;
    }
    encls.setDesc(ep, encls.descOf(ep) | SGX_ENCL_PAGE_BEING_RECLAIMED);
    sgxEnclUnlock(sgx, encl);
    frames[kept] = frame;
    eps[kept] = ep;
    kept++;
  }
  yield sgx.takeCost();

  // phase 3: block every page before writing any, so one ETRACK covers the batch
  for (let k = 0; k < kept; k++) sgxReclaimerBlock(sgx, enclOfPage(sgx, eps[k] as number), eps[k] as number, frames[k] as number);
  yield sgx.takeCost();

  // phase 4: write back and free
  for (let k = 0; k < kept; k++) {
    const frame = frames[k] as number;
    const ep = eps[k] as number;
    const encl = enclOfPage(sgx, ep);
    sgxEnclLock(sgx, encl);
    if (sgxReclaimerWrite(sgx, encl, ep, frame)) yield* sgxReclaimerWriteSecs(sgx, encl);
    sgxEnclUnlock(sgx, encl);
    sgxEnclPut(sgx, encl);
    pages.setFlags(frame, pages.flags(frame) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    sgxFreeEpcPage(sgx, frame);
  }
  giveChunk(sgx, chunk);
  return kept;
}

/**
 * mirrors sgx_reclaim_pages(lru): one batch of up to SGX_NR_TO_SCAN pages from the head of `lru`
 * (the global LRU in mainline, one cgroup's LRU with EPC cgroups). Yields the cost of each phase;
 * returns the number of pages isolated.
 */
export function* sgxReclaimPages(sgx: Sgx, lru: FrameList, cgroup: Cgroup | null = null, tally?: ReclaimTally): Generator<number, number> {
  countBatch(sgx);
  const startNs = sgx.env.now() + sgx.cost;
  const stats: BatchStats = { young: 0 };
  sgx.addCost(sgx.costs.reclaimBatchOverhead);
  const chunk = takeChunk(sgx);
  const scanned = isolateFrom(sgx, lru, SGX_NR_TO_SCAN, chunk);
  yield sgx.takeCost();
  const written = yield* reclaimIsolated(sgx, chunk, false, Infinity, stats);
  traceBatch(sgx, startNs, cgroup, scanned, written, stats.young);
  if (tally !== undefined) tally.written += written;
  return scanned;
}

function traceBatch(sgx: Sgx, startNs: number, cgroup: Cgroup | null, scanned: number, written: number, young: number): void {
  if (sgx.trace === null) return;
  sgx.trace.reclaimBatch({
    startNs,
    endNs: sgx.env.now() + sgx.cost,
    reclaimer: sgx.env.current().name,
    cgroup: cgroup?.path ?? null,
    scanned,
    written,
    young,
  });
}

/** SGX_NR_TO_SCAN_MAX (v5) */
export const SGX_NR_TO_SCAN_MAX = 32;

/**
 * mirrors v5's sgx_reclaim_epc_pages(nr_to_scan, ignore_age, epc_cg): isolate from the heads of
 * the reclaimable lists of subtree(cg) (the whole tree when cg is null) in pre-order, starting at
 * the subtree root every time, up to `nrToScan` pages; accept at most 32. Returns the pages freed.
 */
export function* sgxReclaimEpcPagesV5(sgx: Sgx, nrToScan: number, ignoreAge: boolean, cg: Cgroup | null, tally?: ReclaimTally): Generator<number, number> {
  countBatch(sgx);
  const startNs = sgx.env.now() + sgx.cost;
  const stats: BatchStats = { young: 0 };
  sgx.addCost(sgx.costs.reclaimBatchOverhead);
  const chunk = takeChunk(sgx);
  let left = nrToScan;
  for (const c of sgx.cgroups.subtree(cg ?? sgx.cgroups.root)) {
    if (left <= 0) break;
    const lru = sgx.lrus[c.id];
    if (lru === undefined) continue;
    if (!lru.isEmpty()) sgx.onReclaimVisit?.(c, cg ?? sgx.cgroups.root);
    left -= isolateFrom(sgx, lru, left, chunk);
  }
  yield sgx.takeCost();
  const isolated = chunk.n;
  const written = yield* reclaimIsolated(sgx, chunk, ignoreAge, SGX_NR_TO_SCAN_MAX, stats);
  traceBatch(sgx, startNs, cg, isolated, written, stats.young);
  if (tally !== undefined) tally.written += written;
  return written;
}

/**
 * ksgxd's loop body after sanitization: while free < 64 and the LRU is non-empty, one batch at a
 * time; returns when it would go back to sleep. The only wake-up source is sgx_alloc_epc_page().
 */
export function* ksgxd(sgx: Sgx): Generator<number, void> {
  while (sgxShouldReclaim(sgx, SGX_NR_HIGH_PAGES)) {
    const tally: ReclaimTally = { written: 0 };
    yield* sgxReclaimGlobal(sgx, tally);
    // a round that frees nothing (every page young, no backing store) leaves the condition as it was
    sgx.env.kernelLoop(KSGXD_LOOP, tally.written > 0, null);
    sgx.env.condResched();
    yield sgx.takeCost();
  }
  sgx.env.kernelLoop(KSGXD_LOOP, true, null);
}

/** the livelock guard's name for ksgxd's reclaim loop */
export const KSGXD_LOOP = "ksgxd()";

/**
 * one round of global reclaim: a batch from the global LRU (mainline), sgx_reclaim_pages_global()
 * through the root's cursor (v17), or sgx_reclaim_epc_pages(16, false, NULL) from the root (v5)
 */
export function sgxReclaimGlobal(sgx: Sgx, tally?: ReclaimTally): Generator<number, number> {
  // the batch's own generator, not one that delegates to it: every yield of a batch passes one level fewer
  if (sgx.generation === "v5") return sgxReclaimEpcPagesV5(sgx, SGX_NR_TO_SCAN, false, null, tally);
  if (sgx.epcCgroups) return sgxReclaimPagesGlobal(sgx, tally);
  return sgxReclaimPages(sgx, sgx.lru, null, tally);
}
