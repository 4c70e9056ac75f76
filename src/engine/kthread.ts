// Kernel threads: ksgxd and the kworkers that run the EPC cgroups' reclaim work. Like user
// threads they need a CPU (unless the scenario's `options.kthreads` is "free", the old model in
// which they ran beside the user threads at no CPU cost). A kernel thread runs one generator at a
// time; when it returns, the thread asks its source for the next one and sleeps when there is none.
import type { SecsState } from "../hw/epcm.js";
import type { Task } from "../kernel/state.js";

/** asleep: nothing to do until a wake-up */
export const KT_SLEEPING = 0;
/** woken: its wake-up event is in the queue (the wake-up latency) */
export const KT_WAKING = 1;
/** waiting on the run queue for a CPU */
export const KT_RUNNABLE = 2;
/** on a CPU (or, with kthreads "free", simply running) */
export const KT_RUNNING = 3;

export class KernelThread implements Task {
  insideSecs: SecsState | null = null;
  readonly mm = null;
  readonly pid = 0;
  readonly cgroup = null;
  state = KT_SLEEPING;
  /** the CPU it holds, -1 when it holds none */
  cpuHeld = -1;
  /** when it last got its CPU */
  sliceStart = 0;
  /** time still to run once it gets a CPU back after a preemption */
  pendingDelay = 0;
  /** the kernel code it runs now */
  gen: Generator<number, void> | null = null;
  /** when the current generator started, for its trace slice */
  genStartNs = 0;
  /** the last yield was at a cond_resched() (KernelEnv.condResched): a point where it may be preempted */
  atPreemptPoint = false;
  /** its actor in the simulator's event queue */
  actorId = -1;
  readonly reclaimer: "ksgxd" | "work";

  constructor(
    readonly tid: number,
    readonly name: string,
    /** the next generator to run once the current one returns, or null to sleep */
    readonly nextGen: () => Generator<number, void> | null,
    /** the name of the trace slice of one generator's run, or null for none */
    readonly sliceName: string | null,
  ) {
    this.reclaimer = name === "ksgxd" ? "ksgxd" : "work";
  }

  /** numa_node_id() of the CPU it runs on; a thread without a CPU counts as on CPU 0 */
  get cpu(): number {
    return this.cpuHeld < 0 ? 0 : this.cpuHeld;
  }

  signalPending(): boolean {
    return false;
  }
}

/**
 * A work_struct on an unbound work queue, with the workqueue's non-reentrance rules
 * (Documentation/core-api/workqueue.rst): queue_work() of a pending item does nothing; an item
 * queued while it runs is pending again and runs once more after the current run returns; two runs
 * of one item never overlap. Each item has its own kworker, so its runs form one trace track.
 */
export class WorkItem {
  pending = false;
  running = false;
  make: () => Generator<number, void>;
  readonly worker: KernelThread;

  constructor(tid: number, label: string, make: () => Generator<number, void>) {
    this.make = make;
    this.worker = new KernelThread(tid, `kworker ${label}`, () => this.takeNext(), "work item");
  }

  /** the kworker finished a run (or woke): the next run if the item is pending, else sleep */
  private takeNext(): Generator<number, void> | null {
    this.running = false;
    if (!this.pending) return null;
    // process_one_work(): PENDING is cleared as the run starts, so the item can be queued again
    this.pending = false;
    this.running = true;
    return this.make();
  }
}
