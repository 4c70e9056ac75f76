// The CPU scheduler: CPUs, one FIFO run queue and a time slice. User threads and (with
// options.kthreads "scheduled") kernel threads take CPUs; a thread that finds none waits on the run
// queue, and a released CPU goes to the head of the queue, whose pending delay then runs.
import type { EventQueue } from "../lib/event-queue.js";
import type { Sgx } from "../kernel/state.js";
import { KernelThread, KT_RUNNING } from "./kthread.js";
import { leaveEnclave, UserThread } from "./process.js";

/** what a CPU runs and the run queue holds */
export type Runnable = UserThread | KernelThread;

export class Cpus {
  private readonly cpus: (Runnable | null)[];
  /** threads waiting for a CPU: woken kernel threads first, then user threads in FIFO order */
  readonly runQueue: Runnable[] = [];
  /** kernel threads take CPUs like user threads ("scheduled") or run beside them for free ("free") */
  readonly kthreadsOnCpus: boolean;
  /** the time slice */
  readonly quantum: number;

  constructor(
    count: number,
    quantum: number,
    kthreadsOnCpus: boolean,
    private readonly queue: EventQueue,
    private readonly sgx: Sgx,
  ) {
    this.cpus = new Array<Runnable | null>(count).fill(null);
    this.quantum = quantum;
    this.kthreadsOnCpus = kthreadsOnCpus;
  }

  /** an idle CPU for `t` at `now`; false when all are busy */
  acquire(t: Runnable, now: number): boolean {
    const c = this.cpus.indexOf(null);
    if (c < 0) return false;
    this.give(t, c, now);
    return true;
  }

  private give(t: Runnable, c: number, now: number): void {
    this.cpus[c] = t;
    t.sliceStart = now;
    if (t instanceof UserThread) {
      t.cpu = c;
      t.proc.mm.running.add(t);
    } else {
      t.cpuHeld = c;
      t.state = KT_RUNNING;
    }
  }

  /** `t` gives its CPU up (if it holds one): the head of the run queue gets it and runs its pending delay */
  release(t: Runnable, now: number): void {
    let c: number;
    if (t instanceof UserThread) {
      if (t.cpu < 0) return;
      // a descheduled thread is no longer executing inside its enclave
      if (t.insideSecs !== null) {
        leaveEnclave(t);
        this.sgx.counters.aex++;
      }
      c = t.cpu;
      t.cpu = -1;
      t.proc.mm.running.delete(t);
    } else {
      if (t.cpuHeld < 0) return;
      c = t.cpuHeld;
      t.cpuHeld = -1;
    }
    this.cpus[c] = null;
    const next = this.runQueue.shift();
    if (next !== undefined) {
      this.give(next, c, now);
      const d = next.pendingDelay;
      next.pendingDelay = 0;
      if (next instanceof UserThread) next.scheduled = true;
      this.queue.push(now + d, next.actorId);
    }
  }

  /** a thread that must wait for a CPU: a woken kernel thread goes ahead of the user threads */
  enqueue(t: Runnable, woken: boolean): void {
    if (!woken) {
      this.runQueue.push(t);
      return;
    }
    let i = 0;
    while (i < this.runQueue.length && this.runQueue[i] instanceof KernelThread) i++;
    this.runQueue.splice(i, 0, t);
  }

  /** `t` has used its time slice and others wait: it should give its CPU up */
  sliceOver(t: Runnable, now: number): boolean {
    return this.runQueue.length > 0 && now - t.sliceStart >= this.quantum;
  }

  /** when `t`'s time slice ends, if anyone waits for its CPU; else Infinity */
  sliceEnd(t: Runnable): number {
    return this.runQueue.length > 0 ? t.sliceStart + this.quantum : Infinity;
  }
}
