// The observer's view of tasks and of the kernel's tracepoints: which track (pid, tid) a task's
// slices go on, and the reclaim-batch and charge-failure events the kernel code reports.
import type { Task } from "../kernel/state.js";
import type { SimObserver, Track } from "./observer.js";
import { UserThread } from "./process.js";
import type { Simulator } from "./sim.js";

/** the kernel threads' pid in the simulation; report/trace.ts gives them a pid after every user pid */
const KERNEL_PID = 0;

/** the track of a task, for slices */
export function trackOf(task: Task): Track {
  if (task instanceof UserThread) return { pid: task.proc.pid, tid: task.tid, process: task.proc.name, thread: task.name };
  return { pid: KERNEL_PID, tid: task.tid, process: "kernel", thread: task.name };
}

export function installTracepoints(sim: Simulator, obs: SimObserver): void {
  sim.sgx.trace = {
    reclaimBatch: (e) => {
      obs.event({ type: "reclaim-batch", atNs: e.startNs, ...e });
      obs.slice(trackOf(sim.currentRef), "reclaim batch", e.startNs, e.endNs, { cgroup: e.cgroup ?? "(global LRU)", scanned: e.scanned, written: e.written, young: e.young });
    },
    chargeFailure: (e) => obs.event({ type: "charge-failure", ...e }),
  };
}
