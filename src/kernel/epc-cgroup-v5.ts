// The EPC cgroup of the v5 series (haitaohuang/linux 5a11e90660fb, epc_cgroup.c), the generation
// that kills enclaves: reclaimable and unreclaimable lists per cgroup, sgx_epc_cgroup_try_charge()
// with its empty-round counting and ignore_age, the reclaim engine that always walks a subtree from
// its root, the async work with its L-1 / L-9 target, and the OOM path that picks a victim enclave
// from the head of an unreclaimable list and takes its memory away.
import type { Cgroup } from "../cgroup/misc.js";
import { EBUSY, ENOMEM, ERESTARTSYS } from "../lib/errno.js";
import { sgxReclaimEpcPagesV5, SGX_NR_TO_SCAN_MAX } from "./reclaim.js";
import { PAGE_SIZE, SGX_NR_TO_SCAN } from "./sgx.js";
import type { Sgx } from "./state.js";
import { chargeFailed, kernelNow, overMax } from "./tracepoints.js";
import { sgxCgroupLruEmpty } from "./epc-cgroup.js";
import { sgxEnclMmRemove, sgxEnclPut, type Encl } from "./encl.js";
import { oomVictimPolicies, type OomVictimPolicy } from "./oom-policy.js";
import { SGX_ENCL_CREATED, SGX_ENCL_NO_MEMORY } from "./sgx.js";
import { PG_CHARGE_FAILURES } from "./paging-accounts.js";

/** SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD */
export const IGNORE_AGE_THRESHOLD = 5;
/** SGX_EPC_RECLAIM_OOM_THRESHOLD */
export const OOM_THRESHOLD = 5;

/** struct sgx_epc_reclaim_control */
interface ReclaimControl {
  cg: Cgroup;
  nrFails: number;
  ignoreAge: boolean;
}

/** sgx_epc_cgroup_reclaim_pages(): nr clamped to 16..32 */
function* reclaimPages(sgx: Sgx, nr: number, rc: ReclaimControl): Generator<number, number> {
  const n = Math.min(Math.max(nr, SGX_NR_TO_SCAN), SGX_NR_TO_SCAN_MAX);
  return yield* sgxReclaimEpcPagesV5(sgx, n, rc.ignoreAge, rc.cg);
}

/** sgx_epc_cgroup_reclaim_failed(): -ENOMEM when the subtree has nothing left; else count and maybe ignore age */
function reclaimFailed(sgx: Sgx, rc: ReclaimControl): number {
  if (sgxCgroupLruEmpty(sgx, rc.cg)) return -ENOMEM;
  rc.nrFails++;
  if (rc.nrFails > IGNORE_AGE_THRESHOLD) rc.ignoreAge = true;
  return 0;
}

/** what made each cgroup's work run, for the OOM report */
const triggers = new WeakMap<Cgroup, string>();

function queueWork(sgx: Sgx, cg: Cgroup, trigger: string): void {
  if (sgx.env.queueWork(cg, () => sgxEpcCgroupReclaimWork(sgx, cg), cg.path)) triggers.set(cg, trigger);
}

/** the livelock guard's names for the loops here (KernelEnv.kernelLoop) */
export const V5_CHARGE_LOOP = "__sgx_epc_cgroup_try_charge()";
export const V5_WORK_LOOP = "sgx_epc_cgroup_reclaim_work_func()";

/** mirrors v5 sgx_epc_cgroup_try_charge(reclaim) and its loop in __sgx_epc_cgroup_try_charge(): 0 once charged, or -errno */
export function* sgxEpcCgroupTryChargeV5(sgx: Sgx, cg: Cgroup, reclaim: boolean): Generator<number, number> {
  const rc: ReclaimControl = { cg, nrFails: 0, ignoreAge: false };
  let nrEmpty = 0;
  let retried = false;
  try {
    for (;;) {
      const charge = sgx.cgroups.tryCharge(cg, PAGE_SIZE);
      if (charge.ok) return 0;
      sgx.counters.chargeFailures++;
      sgx.account(PG_CHARGE_FAILURES);
      // what the attempt saw, reported with the result the loop comes to (kept as primitives: no allocation per retry)
      const atNs = kernelNow(sgx);
      const over = overMax(charge.failedAt);
      const empty = sgxCgroupLruEmpty(sgx, cg);
      let ret = -EBUSY;
      if (empty) ret = -ENOMEM;
      else if (sgx.env.current().signalPending()) ret = -ERESTARTSYS;
      if (ret !== -EBUSY) return chargeFailed(sgx, atNs, cg, charge.failedAt, over, empty, ret);
      if (!reclaim) {
        queueWork(sgx, cg, `${sgx.env.current().name.replace(/\/\d+$/, "")}: an allocation without reclaim`);
        return chargeFailed(sgx, atNs, cg, charge.failedAt, over, empty, -EBUSY);
      }
      const freed = yield* reclaimPages(sgx, 1, rc);
      if (freed === 0 && reclaimFailed(sgx, rc) !== 0) {
        // the sixth round that found the subtree empty: this attempt's result is ENOMEM, not a retry
        if (++nrEmpty > OOM_THRESHOLD) return chargeFailed(sgx, atNs, cg, charge.failedAt, over, empty, -ENOMEM);
        chargeFailed(sgx, atNs, cg, charge.failedAt, over, empty, -EBUSY);
        // schedule()
        yield sgx.takeCost();
      } else chargeFailed(sgx, atNs, cg, charge.failedAt, over, empty, -EBUSY);
      // a round that wrote nothing back is a retry without progress (the livelock guard)
      sgx.env.kernelLoop(V5_CHARGE_LOOP, freed > 0, cg);
      retried = true;
      yield sgx.takeCost();
    }
  } finally {
    // however the loop ends, it ended: the next charge's count starts over
    if (retried) sgx.env.kernelLoop(V5_CHARGE_LOOP, true, cg);
  }
}

/** the v5 work's target: one page below the limit, nine below above 33 pages, never above the EPC */
export function reclaimTargetPages(sgx: Sgx, cg: Cgroup): number {
  let m = Infinity;
  for (let c: Cgroup | null = cg; c !== null; c = c.parent) m = Math.min(m, Math.floor(c.maxBytes() / PAGE_SIZE));
  if (m > 0) m -= 1;
  if (m > 32) m -= 8;
  return Math.min(m, sgx.totalPages);
}

/** mirrors v5 sgx_epc_cgroup_reclaim_work_func() */
export function* sgxEpcCgroupReclaimWork(sgx: Sgx, cg: Cgroup): Generator<number, void> {
  sgx.counters.cgroupWorkRuns++;
  const rc: ReclaimControl = { cg, nrFails: 0, ignoreAge: false };
  for (;;) {
    const target = reclaimTargetPages(sgx, cg);
    const cur = cg.usage / PAGE_SIZE;
    if (cur <= target) break;
    if (sgxCgroupLruEmpty(sgx, cg)) {
      const kills = sgx.counters.oomKills;
      if (!sgxEpcCgroupOom(sgx, cg)) break;
      // true without a kill: a victim chosen before is still not gone, and the OOM path waits for it
      sgx.env.kernelLoop(V5_WORK_LOOP, sgx.counters.oomKills > kills, cg);
      yield sgx.takeCost();
      continue;
    }
    const freed = yield* reclaimPages(sgx, cur - target, rc);
    if (freed === 0 && reclaimFailed(sgx, rc) !== 0) break;
    sgx.env.kernelLoop(V5_WORK_LOOP, freed > 0, cg);
    // no cond_resched() in this loop, but the batch's might_sleep() points (the backing store's
    // shmem allocation and locks) are voluntary preemption points: one per iteration stands for them
    sgx.env.condResched();
    yield sgx.takeCost();
  }
  sgx.env.kernelLoop(V5_WORK_LOOP, true, cg);
}

/** the v5 max_write callback: lowering misc.max queues the cgroup's reclaim work at once */
export function sgxEpcCgroupMaxWrite(sgx: Sgx, cg: Cgroup): void {
  queueWork(sgx, cg, `write to ${cg.path}/misc.max`);
}

/** mirrors sgx_oom_encl(): mark the enclave, zap its mappings, drain its mm list */
function sgxOomEncl(sgx: Sgx, encl: Encl, cg: Cgroup): boolean {
  if ((encl.flags & SGX_ENCL_CREATED) === 0) {
    sgxEnclPut(sgx, encl);
    return false;
  }
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) {
    // chosen before and not gone yet: let the OOM killer wait for it
    sgxEnclPut(sgx, encl);
    return true;
  }
  encl.flags |= SGX_ENCL_NO_MEMORY;
  // sgx_epc_oom_zap(): every mapping of the enclave in every mm
  const pages = sgx.enclPages;
  let live = 0;
  for (const m of encl.mmList) if (!m.mm.exiting) live++;
  encl.pageArray.forEach(0, encl.secsIndex, (_i, ep) => {
    pages.clearPtes(ep);
  });
  sgx.addCost(sgx.costs.pteZap * live * Math.max(1, encl.pageArray.count));
  // sgx_encl_mm_drain()
  for (const m of [...encl.mmList]) sgxEnclMmRemove(sgx, encl, m.mm);
  // the kernel takes the memory either way; only a victim whose process was still running counts as a kill
  if (sgx.env.enclaveOomKilled(encl, cg, triggers.get(cg) ?? "")) sgx.counters.oomKills++;
  sgxEnclPut(sgx, encl);
  return true;
}

/**
 * mirrors sgx_epc_cgroup_oom(): pick a victim in subtree(root) (by the scenario's policy; the series
 * takes the head of the first unreclaimable list in pre-order that yields one) and take its memory
 */
export function sgxEpcCgroupOom(sgx: Sgx, root: Cgroup): boolean {
  const policy = oomVictimPolicies[sgx.options.oomVictim ?? "list-order"] as OomVictimPolicy;
  return policy.oom(sgx, root, (encl) => sgxOomEncl(sgx, encl, root));
}
