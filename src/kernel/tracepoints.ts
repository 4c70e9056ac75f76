// Tracepoints: what the driver reports to an observer while it runs, like the kernel's trace events.
// The engine installs an implementation only when someone listens; otherwise `sgx.trace` is null and
// the hot paths pay one null check.
import type { Cgroup } from "../cgroup/misc.js";
import { ENOMEM, errnoName } from "../lib/errno.js";
import { PAGE_SIZE } from "./sgx.js";
import type { Sgx } from "./state.js";

export interface ReclaimBatchEvent {
  /** when the batch started and when its last write-back completed, in simulated ns */
  startNs: number;
  endNs: number;
  /** the task that ran it: "ksgxd", a kworker, or a user thread (direct reclaim) */
  reclaimer: string;
  /** the cgroup whose LRU was scanned; null for the mainline global LRU and for v5 walks over the whole tree */
  cgroup: string | null;
  /** pages isolated from the LRU */
  scanned: number;
  /** pages written back (EWB) and freed */
  written: number;
  /** pages put back because they were young (or beyond the batch's accept limit) */
  young: number;
}

export interface ChargeFailureEvent {
  atNs: number;
  /** the task whose allocation was refused */
  task: string;
  /** the cgroup being charged */
  cgroup: string;
  /** the level that refused it: the first one over its misc.max or over the capacity (misc_cg_try_charge() checks both at every level) */
  failedAt: string;
  /** what refused it at that level: its limit ("misc.max") or the EPC's size ("misc.capacity") */
  refusedBy: "misc.max" | "misc.capacity";
  /** the refusing value in bytes: that level's misc.max, or the capacity */
  limitBytes: number;
  /** sgx_epc_cgroup_lru_empty(): the charged cgroup's subtree had no reclaimable page at the attempt */
  nothingToReclaim: boolean;
  /** what the attempt returned: EBUSY (reclaim and retry), ENOMEM or ERESTARTSYS */
  result: string;
}

/**
 * An allocation of the current task refused with ENOMEM: a charge (kind "charge", the fields of the
 * charge-failure event), or, with no charge refused, no free EPC page and nothing reclaimable
 * anywhere (kind "no-free-epc"). Kept as `sgx.lastRefusal`, in every run, so that what a refused
 * allocation ended is reported with its cause whether or not anyone observes the run.
 */
export type Refusal = (ChargeFailureEvent & { kind: "charge" }) | { kind: "no-free-epc"; atNs: number; task: string; result: string };

export interface SgxTracepoints {
  reclaimBatch(e: ReclaimBatchEvent): void;
  chargeFailure(e: ChargeFailureEvent): void;
}

/** the time of a kernel step that is running now: the actor's clock plus the cost it has run up */
export const kernelNow = (sgx: Sgx): number => sgx.env.now() + sgx.cost;

/** at a refused charge (misc_cg_try_charge() rolled `failedAt` back): was it over its misc.max (else the capacity)? */
export const overMax = (failedAt: Cgroup): boolean => failedAt.usage + PAGE_SIZE > failedAt.maxBytes();

/**
 * reports a refused charge attempt and what it returned (the trace, when observed), and records an
 * ENOMEM as `sgx.lastRefusal`. `atNs`, `over` (overMax()) and `nothingToReclaim` are the attempt's;
 * the result may be decided later in the loop. Returns `ret`.
 */
export function chargeFailed(sgx: Sgx, atNs: number, cg: Cgroup, failedAt: Cgroup, over: boolean, nothingToReclaim: boolean, ret: number): number {
  if (sgx.trace === null && ret !== -ENOMEM) return ret;
  const capacity = sgx.cgroups.capacity;
  const byMax = over && failedAt.maxBytes() <= capacity;
  const e: ChargeFailureEvent = {
    atNs,
    task: sgx.env.current().name,
    cgroup: cg.path,
    failedAt: failedAt.path,
    refusedBy: byMax ? "misc.max" : "misc.capacity",
    limitBytes: byMax ? failedAt.maxBytes() : capacity,
    nothingToReclaim,
    result: errnoName(ret),
  };
  sgx.trace?.chargeFailure(e);
  if (ret === -ENOMEM) sgx.lastRefusal = { kind: "charge", ...e };
  return ret;
}

/** records an allocation that found no free EPC page and nothing reclaimable (ENOMEM, no charge refused) */
export function noFreeEpc(sgx: Sgx): void {
  sgx.lastRefusal = { kind: "no-free-epc", atNs: kernelNow(sgx), task: sgx.env.current().name, result: "ENOMEM" };
}
