// Tracepoints: what the driver reports to an observer while it runs, like the kernel's trace events.
// The engine installs an implementation only when someone listens; otherwise `sgx.trace` is null and
// the hot paths pay one null check.
import type { Cgroup } from "../cgroup/misc.js";
import { errnoName } from "./errno.js";
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
  /** the level whose limit (or the capacity, at the root) refused it */
  failedAt: string;
  /** what the attempt returned: EBUSY (reclaim and retry), ENOMEM or ERESTARTSYS */
  result: string;
}

export interface SgxTracepoints {
  reclaimBatch(e: ReclaimBatchEvent): void;
  chargeFailure(e: ChargeFailureEvent): void;
}

/** reports a refused charge attempt and what it returned */
export function traceChargeFailure(sgx: Sgx, cg: Cgroup, failedAt: Cgroup, ret: number): void {
  sgx.trace?.chargeFailure({ atNs: sgx.env.now() + sgx.cost, task: sgx.env.current().name, cgroup: cg.path, failedAt: failedAt.path, result: errnoName(ret) });
}
