// The EPC cgroup of the final series, v16/v17 (arch/x86/kernel/cpu/sgx/epc_cgroup.c at
// intel-lab-lkp/linux 17a6bd9339d1): per-cgroup LRUs, charging with and without reclaim, the
// per-root round-robin `next_cg` cursor, should_reclaim with its 32-page credit, async reclaim on a
// work queue, direct reclaim for the SGX2 ioctls, and global reclaim through the root's cursor.
import type { Cgroup } from "../cgroup/misc.js";
import { EBUSY, ENOMEM, ERESTARTSYS } from "../lib/errno.js";
import { sgxReclaimPages, type ReclaimTally } from "./reclaim.js";
import { PAGE_SIZE, SGX_NR_LOW_PAGES, SGX_NR_TO_SCAN } from "./sgx.js";
import type { Sgx } from "./state.js";
import { chargeFailed, kernelNow, overMax } from "./tracepoints.js";
import { PG_CHARGE_FAILURES } from "./paging-accounts.js";

/** SGX_CG_MIN_FREE_PAGE */
const SGX_CG_MIN_FREE_PAGE = SGX_NR_LOW_PAGES;
/** SGX_CG_LOW_LIMIT */
const SGX_CG_LOW_LIMIT = 4 * SGX_CG_MIN_FREE_PAGE;

/** per-cgroup SGX state (struct sgx_cgroup): the round-robin cursor; the LRU lives in Sgx.lrus */
const cursors = new WeakMap<Cgroup, Cgroup>();

/** mirrors sgx_cgroup_lru_empty(): no reclaimable page anywhere in subtree(root) */
export function sgxCgroupLruEmpty(sgx: Sgx, root: Cgroup): boolean {
  if (root.children.length === 0) {
    const l = sgx.lrus[root.id];
    return l === undefined || l.isEmpty();
  }
  for (const c of sgx.cgroups.subtree(root)) {
    const l = sgx.lrus[c.id];
    if (l !== undefined && !l.isEmpty()) return false;
  }
  return true;
}

/** the next cgroup after `c` in pre-order within subtree(root), or root when the walk runs off the end */
function nextDescendantPre(sgx: Sgx, root: Cgroup, c: Cgroup): Cgroup {
  const order = sgx.cgroups.subtree(root);
  const i = order.indexOf(c);
  return i < 0 || i + 1 >= order.length ? root : (order[i + 1] as Cgroup);
}

/** mirrors sgx_cgroup_next_get(): the cgroup to reclaim from next, and the cursor moved past it */
function sgxCgroupNextGet(sgx: Sgx, root: Cgroup): Cgroup {
  const p = cursors.get(root) ?? root;
  cursors.set(root, nextDescendantPre(sgx, root, p));
  return p;
}

/** mirrors sgx_cgroup_free(): cancel the work, move every ancestor's cursor off the dying cgroup */
export function sgxCgroupFree(sgx: Sgx, cg: Cgroup): void {
  sgx.env.cancelWork(cg);
  for (let a = cg.parent; a !== null; a = a.parent) {
    if (cursors.get(a) === cg) cursors.set(a, nextDescendantPre(sgx, a, cg));
  }
}

/**
 * mirrors sgx_cgroup_reclaim_pages(): round-robin over subtree(root) from its cursor, one
 * sgx_reclaim_pages() batch per visited cgroup, until `nrToScan` pages were isolated
 */
export function* sgxCgroupReclaimPages(sgx: Sgx, root: Cgroup, nrToScan: number, tally?: ReclaimTally): Generator<number, number> {
  let cnt = 0;
  while (!sgxCgroupLruEmpty(sgx, root) && cnt < nrToScan) {
    const c = sgxCgroupNextGet(sgx, root);
    sgx.onReclaimVisit?.(c, root);
    cnt += yield* sgxReclaimPages(sgx, sgx.lruOfCgroup(c), c, tally);
  }
  return cnt;
}

/** mirrors sgx_reclaim_pages_global(): the misc root's cursor, 16 pages */
export function* sgxReclaimPagesGlobal(sgx: Sgx, tally?: ReclaimTally): Generator<number, number> {
  return yield* sgxCgroupReclaimPages(sgx, sgx.cgroups.root, SGX_NR_TO_SCAN, tally);
}

/** the livelock guard's names for the loops here (KernelEnv.kernelLoop) */
export const V17_CHARGE_LOOP = "sgx_cgroup_try_charge()";
export const V17_WORK_LOOP = "sgx_cgroup_reclaim_work_func()";

/** the smallest misc.max of `cg` and its ancestors, in pages (floor of the byte value) */
function minLimitPages(cg: Cgroup): number {
  let m = Infinity;
  for (let c: Cgroup | null = cg; c !== null; c = c.parent) m = Math.min(m, Math.floor(c.maxBytes() / PAGE_SIZE));
  return m;
}

/** mirrors sgx_cgroup_should_reclaim(): at the limit, or within 32 pages of it above 128 pages */
export function sgxCgroupShouldReclaim(sgx: Sgx, cg: Cgroup): boolean {
  if (sgxCgroupLruEmpty(sgx, cg)) return false;
  let m = minLimitPages(cg);
  if (m > SGX_CG_LOW_LIMIT) m -= SGX_CG_MIN_FREE_PAGE;
  return cg.usage / PAGE_SIZE >= m;
}

/** mirrors sgx_cgroup_reclaim_work_func(): the async reclaim of one cgroup */
function* sgxCgroupReclaimWork(sgx: Sgx, cg: Cgroup): Generator<number, void> {
  sgx.counters.cgroupWorkRuns++;
  while (sgxCgroupShouldReclaim(sgx, cg)) {
    const tally: ReclaimTally = { written: 0 };
    yield* sgxCgroupReclaimPages(sgx, cg, SGX_NR_TO_SCAN, tally);
    sgx.env.kernelLoop(V17_WORK_LOOP, tally.written > 0, cg);
    sgx.env.condResched();
    yield sgx.takeCost();
  }
  sgx.env.kernelLoop(V17_WORK_LOOP, true, cg);
}

/** mirrors __sgx_cgroup_try_charge(): one charge attempt */
function sgxCgroupTryChargeOnce(sgx: Sgx, cg: Cgroup): number {
  const charge = sgx.cgroups.tryCharge(cg, PAGE_SIZE);
  if (charge.ok) return 0;
  sgx.counters.chargeFailures++;
  sgx.account(PG_CHARGE_FAILURES);
  const empty = sgxCgroupLruEmpty(sgx, cg);
  let ret = -EBUSY;
  if (empty) ret = -ENOMEM;
  else if (sgx.env.current().signalPending()) ret = -ERESTARTSYS;
  return chargeFailed(sgx, kernelNow(sgx), cg, charge.failedAt, overMax(charge.failedAt), empty, ret);
}

/**
 * after a successful charge: the v11+ code's queueing of the async work here is unreachable;
 * options.cgroupQueueAfterCharge restores its intent
 */
function chargedQueueWork(sgx: Sgx, cg: Cgroup): void {
  if (sgx.options.cgroupQueueAfterCharge && sgxCgroupShouldReclaim(sgx, cg)) queueReclaimWork(sgx, cg);
}

/** mirrors sgx_cgroup_try_charge(cg, SGX_NO_RECLAIM): queue the async work and give up */
export function sgxCgroupTryChargeNoReclaim(sgx: Sgx, cg: Cgroup): number {
  const r = sgxCgroupTryChargeOnce(sgx, cg);
  if (r === -EBUSY) queueReclaimWork(sgx, cg);
  else if (r === 0) chargedQueueWork(sgx, cg);
  return r;
}

/**
 * sgx_cgroup_try_charge(cg, SGX_DO_RECLAIM) when the charge fits at once: what
 * sgxCgroupTryCharge() does then, as plain code; false, having done nothing, when it does not fit
 */
export function sgxCgroupTryChargeAtOnce(sgx: Sgx, cg: Cgroup): boolean {
  if (!sgx.cgroups.fits(cg, PAGE_SIZE)) return false;
  if (sgxCgroupTryChargeOnce(sgx, cg) !== 0) throw new Error("sgxCgroupTryChargeAtOnce: a charge that fits failed.");
  chargedQueueWork(sgx, cg);
  return true;
}

/** mirrors sgx_cgroup_try_charge(cg, SGX_DO_RECLAIM): reclaim from subtree(cg) until the charge fits */
export function* sgxCgroupTryCharge(sgx: Sgx, cg: Cgroup): Generator<number, number> {
  let retried = false;
  for (;;) {
    const r = sgxCgroupTryChargeOnce(sgx, cg);
    if (r !== -EBUSY) {
      if (retried) sgx.env.kernelLoop(V17_CHARGE_LOOP, true, cg);
      if (r === 0) chargedQueueWork(sgx, cg);
      return r;
    }
    const tally: ReclaimTally = { written: 0 };
    yield* sgxCgroupReclaimPages(sgx, cg, 1, tally);
    // nothing written back (the pages scanned were young, or had no backing store): no progress
    sgx.env.kernelLoop(V17_CHARGE_LOOP, tally.written > 0, cg);
    retried = true;
    yield sgx.takeCost();
  }
}

function queueReclaimWork(sgx: Sgx, cg: Cgroup): void {
  sgx.env.queueWork(cg, () => sgxCgroupReclaimWork(sgx, cg), cg.path);
}

/** mirrors sgx_cgroup_reclaim_direct(): reclaim for current's cgroup before an SGX2 ioctl page */
export function* sgxCgroupReclaimDirect(sgx: Sgx): Generator<number, void> {
  const cg = sgx.currentCgroup();
  if (sgxCgroupShouldReclaim(sgx, cg)) yield* sgxCgroupReclaimPages(sgx, cg, SGX_NR_TO_SCAN);
}

/** sgx_cgroup_uncharge() of a freed page; a removed cgroup whose last page goes is freed */
export function sgxCgroupUncharge(sgx: Sgx, cg: Cgroup): void {
  sgx.cgroups.uncharge(cg, PAGE_SIZE);
}
