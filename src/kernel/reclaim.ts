// The reclaimer (main.c): sgx_reclaim_pages() in its four phases — isolate, age and reserve backing,
// block, write back — with the SECS eviction after the last resident child, and ksgxd with its
// 32/64-page watermarks. Phases are separated by yields so that faults and ioctls running between
// them see pages isolated or BEING_RECLAIMED, as they can on a real machine.
import { SGX_EPC_PAGE_RECLAIMER_TRACKED } from "./epc-page.js";
import {
  sgxEnclAllocBacking,
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

/** an isolated page: its frame, enclave page and enclave */
interface Isolated {
  frame: number;
  ep: number;
  encl: Encl;
}

function putBack(sgx: Sgx, it: Isolated): void {
  // list_add_tail on the page's own LRU; TRACKED is still set
  sgx.lruOf(it.frame).addTail(it.frame);
  sgxEnclPut(sgx, it.encl);
}

/** mirrors sgx_reclaimer_block(): zap the PTEs in every mm, then EBLOCK */
function sgxReclaimerBlock(sgx: Sgx, it: Isolated): void {
  sgxZapEnclavePtes(sgx, it.encl, it.ep);
  sgxEnclLock(sgx, it.encl);
  sgx.epcm.eblock(it.frame, it.encl.secs);
  sgxEnclUnlock(sgx, it.encl);
}

/** mirrors sgx_reclaimer_write(): EWB the page, and the SECS after the last resident child */
function* sgxReclaimerWrite(sgx: Sgx, it: Isolated): Generator<number, void> {
  const pages = sgx.enclPages;
  const encl = it.encl;
  sgxEnclEwb(sgx, encl, it.ep, it.frame, false);
  pages.frame[it.ep] = -1;
  encl.secsChildCnt--;
  sgx.counters.pagesReclaimed++;
  sgx.accountFrame(PG_EWB_PAGES, it.frame);
  if (encl.secsChildCnt === 0 && (encl.flags & SGX_ENCL_INITIALIZED) !== 0) {
    // (with a Q2 leak secs_child_cnt never reaches 0 and the SECS stays resident)
    const secsFrame = pages.frame[encl.secsPage] as number;
    // without backing for it, the SECS stays resident
    if ((yield* sgxEnclAllocBacking(sgx, encl, encl.secsIndex)) === 0) {
      const ret = sgxEnclEwb(sgx, encl, encl.secsPage, secsFrame, true);
      if (ret === 0) sgx.counters.secsEvicted++;
      // EREMOVE after a successful EWB is a no-op on the now invalid frame
      sgxEnclFreeEpcPage(sgx, secsFrame);
      pages.frame[encl.secsPage] = -1;
    }
  }
}

/** phase 1 on one LRU: isolate up to `max` pages from its head into `chunk`; returns the pages examined */
function isolateFrom(sgx: Sgx, lru: FrameList, max: number, chunk: Isolated[]): number {
  const pages = sgx.pages;
  const encls = sgx.enclPages;
  let scanned = 0;
  while (scanned < max && !lru.isEmpty()) {
    const frame = lru.popHead();
    scanned++;
    const ep = pages.owner[frame] as number;
    const encl = sgx.encl(encls.encl[ep] as number);
    if (encl.refcount > 0) {
      encl.refcount++;
      sgx.accountFrame(PG_RECLAIMED_FROM, frame);
      chunk.push({ frame, ep, encl });
    } else {
      // the enclave is being released: let release free it
      pages.flags[frame] = (pages.flags[frame] as number) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED;
    }
  }
  return scanned;
}

/**
 * phases 2-4 on isolated pages: age (unless `ignoreAge`) and reserve backing, block, write back and
 * free; pages beyond `maxAccept`, young ones and ones without backing go back. Returns pages freed.
 */
function* reclaimIsolated(sgx: Sgx, chunk: Isolated[], ignoreAge: boolean, maxAccept: number, stats: BatchStats): Generator<number, number> {
  const pages = sgx.pages;
  const encls = sgx.enclPages;
  // phase 2: age and reserve backing
  const kept: Isolated[] = [];
  for (const it of chunk) {
    if (kept.length === maxAccept || (!ignoreAge && !sgxReclaimerAge(sgx, it.encl, it.ep))) {
      sgx.counters.pagesSkippedYoung++;
      stats.young++;
      putBack(sgx, it);
      continue;
    }
    // under encl->lock (the memcg's retries between attempts are not modelled as holding it)
    sgxEnclLock(sgx, it.encl);
    if ((yield* sgxEnclAllocBacking(sgx, it.encl, encls.index[it.ep] as number)) !== 0) {
      sgxEnclUnlock(sgx, it.encl);
      // e.g. the memcg refused the shmem pages: the page goes back to the LRU
      putBack(sgx, it);
      continue;
    }
    encls.desc[it.ep] = (encls.desc[it.ep] as number) | SGX_ENCL_PAGE_BEING_RECLAIMED;
    sgxEnclUnlock(sgx, it.encl);
    kept.push(it);
  }
  yield sgx.takeCost();

  // phase 3: block every page before writing any, so one ETRACK covers the batch
  for (const it of kept) sgxReclaimerBlock(sgx, it);
  yield sgx.takeCost();

  // phase 4: write back and free
  for (const it of kept) {
    sgxEnclLock(sgx, it.encl);
    yield* sgxReclaimerWrite(sgx, it);
    sgxEnclUnlock(sgx, it.encl);
    sgxEnclPut(sgx, it.encl);
    pages.flags[it.frame] = (pages.flags[it.frame] as number) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED;
    sgxFreeEpcPage(sgx, it.frame);
  }
  return kept.length;
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
  const chunk: Isolated[] = [];
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
export function* sgxReclaimEpcPagesV5(sgx: Sgx, nrToScan: number, ignoreAge: boolean, cg: Cgroup | null): Generator<number, number> {
  countBatch(sgx);
  const startNs = sgx.env.now() + sgx.cost;
  const stats: BatchStats = { young: 0 };
  sgx.addCost(sgx.costs.reclaimBatchOverhead);
  const chunk: Isolated[] = [];
  let left = nrToScan;
  for (const c of sgx.cgroups.subtree(cg ?? sgx.cgroups.root)) {
    if (left <= 0) break;
    const lru = sgx.lrus[c.id];
    if (lru === undefined) continue;
    if (!lru.isEmpty()) sgx.onReclaimVisit?.(c, cg ?? sgx.cgroups.root);
    left -= isolateFrom(sgx, lru, left, chunk);
  }
  yield sgx.takeCost();
  const written = yield* reclaimIsolated(sgx, chunk, ignoreAge, SGX_NR_TO_SCAN_MAX, stats);
  traceBatch(sgx, startNs, cg, chunk.length, written, stats.young);
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
export function* sgxReclaimGlobal(sgx: Sgx, tally?: ReclaimTally): Generator<number, number> {
  if (sgx.generation === "v5") {
    const written = yield* sgxReclaimEpcPagesV5(sgx, SGX_NR_TO_SCAN, false, null);
    if (tally !== undefined) tally.written += written;
    return written;
  }
  if (sgx.epcCgroups) return yield* sgxReclaimPagesGlobal(sgx, tally);
  return yield* sgxReclaimPages(sgx, sgx.lru, null, tally);
}

