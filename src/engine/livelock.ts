// The livelock guard (options.livelockRetries): a thread that keeps retrying a fault or an ioctl
// without progress stops the run with summary.livelock.
import type { Cgroup } from "../cgroup/misc.js";
import type { Task } from "../kernel/state.js";
import { UserThread } from "./process.js";
import type { Simulator } from "./sim.js";

/** the run stopped because a thread kept retrying without progress (options.livelockRetries) */
export interface Livelock {
  atNs: number;
  /** the process, or "kernel" for ksgxd and the kworkers */
  process: string;
  thread: string;
  /**
   * what it kept retrying: "page fault", "vEPC fault", an ioctl that kept returning EAGAIN without
   * progress ("SGX_IOC_ENCLAVE_MODIFY_TYPES (EAGAIN)"), or a kernel retry loop by the function it is
   * in: "sgx_cgroup_try_charge()", "sgx_cgroup_reclaim_work_func()" (v17),
   * "__sgx_epc_cgroup_try_charge()", "sgx_epc_cgroup_reclaim_work_func()" (v5), "sgx_alloc_epc_page()",
   * "ksgxd()", "try_charge_memcg()"
   */
  operation: string;
  /** the enclave page (index in ELRANGE) or guest page it kept faulting on, the first page of the ioctl's range, or -1 (a kernel loop) */
  page: number;
  /** the thread's cgroup; for a kernel loop, the cgroup it charges or reclaims for ("/" for global reclaim) */
  cgroup: string;
  /** retries in a row without progress (the name is kept from when only faults were guarded) */
  faultRetries: number;
}

/**
 * counts a retry that made no progress (a fault that left the page absent, an ioctl that returned
 * EAGAIN having done nothing); stops the run when the thread is clearly livelocked
 */
export function faultRetried(sim: Simulator, t: UserThread, page: number, operation = "page fault"): void {
  t.faultRetriesInARow++;
  if (sim.livelockRetries > 0 && t.faultRetriesInARow >= sim.livelockRetries && sim.livelock === null) {
    sim.livelock = { atNs: sim.nowNs, process: t.proc.name, thread: t.name, operation, page, cgroup: t.proc.cgroup?.path ?? "/", faultRetries: t.faultRetriesInARow };
  }
}

/** an ioctl returned EAGAIN: a retry without progress when it did nothing, else the count starts over */
export function ioctlRetried(sim: Simulator, t: UserThread, page: number, op: string, count: number): void {
  if (count > 0) t.faultRetriesInARow = 0;
  else faultRetried(sim, t, page, `${op} (EAGAIN)`);
}

/** each task's kernel retry loops and how often each went round in a row without progress */
export type KernelLoops = Map<Task, Map<string, number>>;

/** KernelEnv.kernelLoop(): the current task's retry loop `operation` went round once more */
export function kernelLoopRetried(sim: Simulator, loopsByTask: KernelLoops, operation: string, progress: boolean, cgroup: Cgroup | null): void {
  const task = sim.currentRef;
  let loops = loopsByTask.get(task);
  if (progress) {
    loops?.delete(operation);
    return;
  }
  if (loops === undefined) {
    loops = new Map();
    loopsByTask.set(task, loops);
  }
  const n = (loops.get(operation) ?? 0) + 1;
  loops.set(operation, n);
  if (sim.livelockRetries > 0 && n >= sim.livelockRetries && sim.livelock === null) {
    const user = task instanceof UserThread;
    sim.livelock = {
      atNs: sim.nowNs,
      process: user ? task.proc.name : "kernel",
      thread: task.name,
      operation,
      page: -1,
      cgroup: cgroup?.path ?? (user ? (task.proc.cgroup?.path ?? "/") : "/"),
      faultRetries: n,
    };
  }
}
