// EPC allocation, freeing and LRU tracking (main.c): boot sanitization, the NUMA-aware allocator
// with its free counter (quirk Q1), sgx_alloc_epc_page() with and without direct reclaim, and
// marking pages reclaimable on the global LRU.
import { EBUSY, ENOMEM, ERESTARTSYS, ENXIO } from "../lib/errno.js";
import {
  ON_DIRTY,
  ON_FREE,
  ON_LRU,
  ON_NONE,
  ON_UNRECLAIMABLE,
  ON_UNTOUCHED,
  OWNER_NONE,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
} from "./epc-page.js";
import { SGX_NR_LOW_PAGES } from "./sgx.js";
import type { NumaNode, Sgx } from "./state.js";
import { sgxReclaimGlobal, type ReclaimTally } from "./reclaim.js";

/** the livelock guard's name for sgx_alloc_epc_page()'s reclaim loop (KernelEnv.kernelLoop) */
export const ALLOC_RECLAIM_LOOP = "sgx_alloc_epc_page()";
import { sgxCgroupTryCharge, sgxCgroupTryChargeAtOnce, sgxCgroupTryChargeNoReclaim, sgxCgroupUncharge } from "./epc-cgroup.js";
import { sgxEpcCgroupTryChargeV5 } from "./epc-cgroup-v5.js";
import type { Cgroup } from "../cgroup/misc.js";
import { noFreeEpc } from "./tracepoints.js";

/**
 * Boot: every frame is dirty until ksgxd's two __sgx_sanitize_pages() passes EREMOVE it. We run the
 * sanitization instantly before t=0 (the kernel does it before user space can open the device in
 * practice); frames are put on their node's free list in ascending order without touching them.
 */
export function sgxSanitizeAtBoot(sgx: Sgx): void {
  for (const s of sgx.sections) {
    (sgx.nodes[s.node] as NumaNode).addUntouched(s.first, s.first + s.count);
  }
  sgx.nrFree = sgx.totalPages;
}

/** frames EREMOVEd per step of the timed sanitization (one cond_resched() worth of work) */
const SANITIZE_CHUNK = 64;

/** boot with `timedSanitize`: every frame starts on sgx_dirty_page_list */
export function sgxDirtyAtBoot(sgx: Sgx): void {
  sgx.pages.fillList(ON_DIRTY);
  sgx.dirtyLeft = sgx.totalPages;
}

/**
 * mirrors ksgxd's two __sgx_sanitize_pages() passes: EREMOVE every dirty frame in list order
 * (section by section, ascending) and free it; a poisoned frame goes to the poison list uncounted.
 * Without kexec leftovers nothing fails, so the second pass finds the list empty.
 */
export function* sgxSanitizePages(sgx: Sgx): Generator<number, void> {
  const p = sgx.pages;
  for (const s of sgx.sections) {
    const node = sgx.nodes[s.node] as NumaNode;
    const end = s.first + s.count;
    for (let a = s.first; a < end; a += SANITIZE_CHUNK) {
      const b = Math.min(a + SANITIZE_CHUNK, end);
      // the EREMOVEs take their time before the frames become free
      for (let f = a; f < b; f++) if (!p.poisoned(f)) sgx.epcm.eremove(f);
      yield sgx.takeCost();
      let poisoned = 0;
      for (let f = a; f < b; f++) {
        if (p.poisoned(f)) {
          node.poisonList.addHead(f);
          poisoned++;
        } else p.setList(f, ON_UNTOUCHED);
      }
      node.addUntouched(a, b, poisoned);
      sgx.poisonedUncounted += poisoned;
      sgx.nrFree += b - a - poisoned;
      sgx.dirtyLeft -= b - a;
    }
  }
}

/** mirrors __sgx_alloc_epc_page_from_node() */
function allocFromNode(sgx: Sgx, node: NumaNode): number {
  const frame = node.takeHead();
  if (frame < 0) return -1;
  sgx.pages.setList(frame, ON_NONE);
  sgx.pages.setFlags(frame, 0);
  sgx.nrFree--;
  return frame;
}

/** mirrors __sgx_alloc_epc_page(): start on the current CPU's node (or the next node with EPC) */
export function sgxAllocEpcPageAnyNode(sgx: Sgx): number {
  const mask = sgx.numaMask;
  const here = sgx.nodeOfCpu(sgx.env.current().cpu);
  let start = mask.indexOf(here);
  if (start < 0) {
    // next_node_in(): the next node with EPC after `here`, wrapping round
    start = mask.findIndex((n) => n > here);
    if (start < 0) start = 0;
  }
  for (let i = 0; i < mask.length; i++) {
    const node = sgx.nodes[mask[(start + i) % mask.length] as number] as NumaNode;
    const frame = allocFromNode(sgx, node);
    if (frame >= 0) return frame;
  }
  return -ENOMEM;
}

/** sgx_should_reclaim(): free below the watermark and something on an LRU */
export function sgxShouldReclaim(sgx: Sgx, watermark: number): boolean {
  return sgx.nrFree < watermark && sgx.canReclaimGlobal();
}

/** `charged`: the cgroup the page's charge went to (current may have moved since), null without EPC cgroups */
function setOwner(sgx: Sgx, frame: number, ownerKind: number, owner: number, charged: Cgroup | null): void {
  sgx.pages.setOwnerKind(frame, ownerKind);
  sgx.pages.setOwnerOf(frame, owner);
  const t = sgx.env.current();
  sgx.paging.allocated(frame, charged ?? t.cgroup ?? sgx.cgroups.root, t.pid);
}

/** runs a charge attempt that never waits (no reclaim) to its result */
function drainCharge(g: Generator<number, number>): number {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
  }
}

/**
 * with EPC cgroups: the page keeps its charge (sgx_epc_page.sgx_cg, which setOwner() recorded as
 * the cgroup the frame was allocated for); on failure the charge goes back
 */
function settleCharge(sgx: Sgx, cg: Cgroup | null, ret: number): void {
  if (cg === null) return;
  sgx.chargesInFlight[cg.id] = (sgx.chargesInFlight[cg.id] ?? 1) - 1;
  if (ret < 0) sgxCgroupUncharge(sgx, cg);
}

/** the end of sgx_alloc_epc_page() for result `ret`: the charge settled, ksgxd woken below the low watermark */
function allocDone(sgx: Sgx, cg: Cgroup | null, ret: number): number {
  settleCharge(sgx, cg, ret);
  if (sgxShouldReclaim(sgx, SGX_NR_LOW_PAGES)) sgx.env.wakeKsgxd();
  return ret;
}

/** sgx_alloc_epc_page(owner, reclaim=false): faults, ELDU, EAUG and vEPC paths */
export function sgxAllocEpcPageNoReclaim(sgx: Sgx, ownerKind: number, owner: number): number {
  let cg: Cgroup | null = null;
  if (sgx.epcCgroups) {
    cg = sgx.currentCgroup();
    const r = sgx.generation === "v5" ? drainCharge(sgxEpcCgroupTryChargeV5(sgx, cg, false)) : sgxCgroupTryChargeNoReclaim(sgx, cg);
    if (r !== 0) return r;
    sgx.chargesInFlight[cg.id] = (sgx.chargesInFlight[cg.id] ?? 0) + 1;
  }
  let ret = sgxAllocEpcPageAnyNode(sgx);
  if (ret >= 0) setOwner(sgx, ret, ownerKind, owner, cg);
  else if (!sgx.canReclaimGlobal()) {
    // the unlocked LRU-empty check returns at once, skipping the wake-up (quirk Q6)
    sgx.counters.enomem++;
    noFreeEpc(sgx);
    settleCharge(sgx, cg, -ENOMEM);
    return -ENOMEM;
  } else {
    ret = -EBUSY;
    sgx.counters.ebusy++;
  }
  return allocDone(sgx, cg, ret);
}

/** sgxAllocEpcPageAtOnce(): the allocation may have to wait (reclaim or charge); nothing was done */
export const ALLOC_MUST_WAIT = -0x10000;

/** whether __sgx_alloc_epc_page() would find a free frame on some node; changes nothing */
function sgxHasFreePage(sgx: Sgx): boolean {
  for (const n of sgx.numaMask) if ((sgx.nodes[n] as NumaNode).freeCount() > 0) return true;
  return false;
}

/**
 * sgx_alloc_epc_page(owner, reclaim=true) when its first attempt finds a free page and a v17
 * charge fits (or there are no EPC cgroups): what sgxAllocEpcPage() does then, as plain code.
 * ALLOC_MUST_WAIT, having done nothing, when it might reclaim, fail, or charge as v5 does: the
 * generator must run instead.
 */
export function sgxAllocEpcPageAtOnce(sgx: Sgx, ownerKind: number, owner: number): number {
  if (!sgxHasFreePage(sgx)) return ALLOC_MUST_WAIT;
  let cg: Cgroup | null = null;
  if (sgx.epcCgroups) {
    if (sgx.generation === "v5") return ALLOC_MUST_WAIT;
    cg = sgx.currentCgroup();
    if (!sgxCgroupTryChargeAtOnce(sgx, cg)) return ALLOC_MUST_WAIT;
    sgx.chargesInFlight[cg.id] = (sgx.chargesInFlight[cg.id] ?? 0) + 1;
  }
  const frame = sgxAllocEpcPageAnyNode(sgx);
  if (frame < 0) throw new Error("sgxAllocEpcPageAtOnce: a node with free frames gave none.");
  setOwner(sgx, frame, ownerKind, owner, cg);
  return allocDone(sgx, cg, frame);
}

/** sgx_alloc_epc_page(owner, reclaim=true): ECREATE and ADD_PAGES; reclaims directly while it must */
export function* sgxAllocEpcPage(sgx: Sgx, ownerKind: number, owner: number): Generator<number, number> {
  let cg: Cgroup | null = null;
  if (sgx.epcCgroups) {
    cg = sgx.currentCgroup();
    const r = sgx.generation === "v5" ? yield* sgxEpcCgroupTryChargeV5(sgx, cg, true) : yield* sgxCgroupTryCharge(sgx, cg);
    if (r !== 0) return r;
    sgx.chargesInFlight[cg.id] = (sgx.chargesInFlight[cg.id] ?? 0) + 1;
  }
  let ret: number;
  let retried = false;
  for (;;) {
    ret = sgxAllocEpcPageAnyNode(sgx);
    if (ret >= 0) {
      setOwner(sgx, ret, ownerKind, owner, cg);
      break;
    }
    if (!sgx.canReclaimGlobal()) {
      sgx.counters.enomem++;
      noFreeEpc(sgx);
      // mainline returns at once here; the cgroup code leaves the loop and still checks the wake-up
      if (cg === null) {
        if (retried) sgx.env.kernelLoop(ALLOC_RECLAIM_LOOP, true, cg);
        return -ENOMEM;
      }
      ret = -ENOMEM;
      break;
    }
    if (sgx.env.current().signalPending()) {
      ret = -ERESTARTSYS;
      break;
    }
    const tally: ReclaimTally = { written: 0 };
    yield* sgxReclaimGlobal(sgx, tally);
    // a round that frees nothing (every page young, no backing store) finds no free page again
    sgx.env.kernelLoop(ALLOC_RECLAIM_LOOP, tally.written > 0, cg);
    retried = true;
  }
  if (retried) sgx.env.kernelLoop(ALLOC_RECLAIM_LOOP, true, cg);
  return allocDone(sgx, cg, ret);
}

/**
 * v5 sgx_record_epc_page(page, UNRECLAIMABLE): SECS pages (at ECREATE and whenever reloaded) and,
 * unless the policy tracks SECS pages only, VA pages go on their cgroup's unreclaimable list
 */
export function sgxRecordUnreclaimable(sgx: Sgx, frame: number, isVa: boolean): void {
  if (sgx.generation !== "v5") return;
  if (isVa && sgx.options.unreclaimableTracking === "secs-only") return;
  sgx.unreclaimableOf(frame).addTail(frame);
}

/** mirrors sgx_free_epc_page(): the caller has made the frame uninitialized */
export function sgxFreeEpcPage(sgx: Sgx, frame: number): void {
  const p = sgx.pages;
  // v5 sgx_drop_epc_page() of a SECS or VA page before it is freed
  if (p.list(frame) === ON_UNRECLAIMABLE) sgx.unreclaimableOf(frame).remove(frame);
  p.setOwnerKind(frame, OWNER_NONE);
  p.setOwnerOf(frame, 0);
  // the charge is read before freed() clears the slot that names it
  const cgId = sgx.frameCg(frame);
  sgx.paging.freed(frame, sgx.cgroups.all);
  if (cgId !== 0) sgxCgroupUncharge(sgx, sgx.cgroups.all[cgId - 1] as Cgroup);
  const node = sgx.nodeOfFrame(frame);
  if (p.poisoned(frame)) node.poisonList.addHead(frame);
  else node.freeList.addTail(frame);
  p.setFlags(frame, SGX_EPC_PAGE_IS_FREE);
  // counted even when the frame went to the poison list (quirk Q1)
  sgx.nrFree++;
}

/** mirrors sgx_mark_page_reclaimable(): the page becomes the youngest on the LRU */
export function sgxMarkPageReclaimable(sgx: Sgx, frame: number): void {
  sgx.pages.setFlags(frame, sgx.pages.flags(frame) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  sgx.lruOf(frame).addTail(frame);
}

/** mirrors sgx_unmark_page_reclaimable(): -EBUSY when a reclaimer has the page isolated */
export function sgxUnmarkPageReclaimable(sgx: Sgx, frame: number): number {
  const p = sgx.pages;
  if (p.isTracked(frame)) {
    if (p.list(frame) !== ON_LRU) return -EBUSY;
    sgx.lruOf(frame).remove(frame);
    p.setFlags(frame, p.flags(frame) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
  }
  return 0;
}

/** mirrors arch_memory_failure(); returns 0 or -ENXIO for a frame outside the EPC */
export function archMemoryFailure(sgx: Sgx, frame: number, actionRequired: boolean): number {
  if (frame < 0 || frame >= sgx.totalPages) return -ENXIO;
  if (actionRequired) sgx.env.forceSigbus(sgx.env.current());
  const p = sgx.pages;
  if (p.poisoned(frame)) return 0;
  p.setPoisoned(frame);
  const list = p.list(frame);
  const node = sgx.nodeOfFrame(frame);
  if (list === ON_UNTOUCHED) {
    // a free frame: to the poison list; the free counter is not decremented (quirk Q1)
    node.dropUntouched();
    node.poisonList.addHead(frame);
    p.setFlags(frame, SGX_EPC_PAGE_IS_FREE);
  } else if (list === ON_FREE) {
    node.freeList.remove(frame);
    node.poisonList.addHead(frame);
    p.setFlags(frame, SGX_EPC_PAGE_IS_FREE);
  } else if (list !== ON_DIRTY && sgx.generation === "mainline") {
    // in use: only taken off the LRU; -EBUSY (isolated by a reclaimer) is ignored. The bases of the
    // cgroup series (v17, v5) predate that call ("TBD: Add additional plumbing ..."): there an
    // in-use poisoned page only gets page->poison and stays reclaimable
    sgxUnmarkPageReclaimable(sgx, frame);
  }
  return 0;
}
