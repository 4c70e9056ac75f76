// Kernel threads on the simulator: ksgxd (its boot-time sanitization, then its loop) and the
// kworkers of queued work, made actors of the event loop, woken after the wake-up latency, taking
// CPUs (options.kthreads "scheduled") and preempted only at a cond_resched() after their slice.
import { sgxSanitizePages } from "../kernel/alloc.js";
import { ksgxd } from "../kernel/reclaim.js";
import { KernelThread, KT_RUNNABLE, KT_RUNNING, KT_SLEEPING, KT_WAKING } from "./kthread.js";
import type { Simulator } from "./sim.js";

/** ksgxd from boot: the two sanitization passes, then its loop */
export function* ksgxdBoot(sim: Simulator): Generator<number, void> {
  yield* sgxSanitizePages(sim.sgx);
  yield* ksgxd(sim.sgx);
}

export function addKthread(sim: Simulator, k: KernelThread): KernelThread {
  k.actorId = sim.addActor({ kind: "kthread", thread: k });
  return k;
}

/** wake_up_process(): the thread becomes runnable after the wake-up latency */
export function wakeKthread(sim: Simulator, k: KernelThread): void {
  k.state = KT_WAKING;
  sim.queue.push(sim.nowNs + sim.costs.ksgxdWake, k.actorId);
}

/**
 * One step of a kernel thread. Woken, it takes an idle CPU or waits at the head of the run queue
 * (a sleeper is behind the CPU hogs in virtual runtime, but a wake-up does not preempt them: it
 * waits for the end of a time slice, a block or an exit). On its CPU it runs its generator; at a
 * cond_resched() after its slice, with others waiting, it goes to the back of the run queue.
 */
export function runKthread(sim: Simulator, k: KernelThread): void {
  sim.currentRef = k;
  if (k.state === KT_WAKING) {
    if (sim.cpus.kthreadsOnCpus && !sim.cpus.acquire(k, sim.nowNs)) {
      k.state = KT_RUNNABLE;
      sim.cpus.enqueue(k, true);
      return;
    }
    k.state = KT_RUNNING;
  }
  // a wake-up that precedes every queued event runs on here (Simulator.continueAt())
  for (;;) {
    if (k.gen === null) {
      k.gen = k.nextGen();
      if (k.gen === null) {
        k.state = KT_SLEEPING;
        sim.cpus.release(k, sim.nowNs);
        return;
      }
      k.genStartNs = sim.nowNs;
    }
    k.atPreemptPoint = false;
    const r = k.gen.next();
    let d: number;
    if (r.done === true) {
      // what the code spent after its last yield is still this thread's time
      d = sim.sgx.takeCost();
      if (k.sliceName !== null) sim.obs?.slice(sim.trackOf(k), k.sliceName, k.genStartNs, sim.nowNs + d);
      k.gen = null;
      k.atPreemptPoint = true;
    } else {
      d = r.value;
    }
    if (sim.cpus.kthreadsOnCpus && k.atPreemptPoint && sim.cpus.sliceOver(k, sim.nowNs)) {
      k.pendingDelay = d;
      sim.cpus.release(k, sim.nowNs);
      k.state = KT_RUNNABLE;
      sim.cpus.enqueue(k, false);
      return;
    }
    if (!sim.continueAt(sim.nowNs + d)) {
      sim.queue.push(sim.nowNs + d, k.actorId);
      return;
    }
    sim.currentRef = k;
  }
}
