// A user thread on the event loop: its wake-up event runs its program (the generator, or the plain
// part it handed off to) up to the next yield, takes or leaves its CPU, and goes on inline while its
// next wake-up precedes every queued event (Simulator.continueAt()).
import { KernelOops } from "../kernel/bug.js";
import { BLOCK, HANDOFF, PLAIN_DONE, UserThread, type PlainProgram } from "./process.js";
import type { Simulator } from "./sim.js";
import { threadFinished } from "./tasks.js";

export function runThread(sim: Simulator, t: UserThread): void {
  t.scheduled = false;
  for (;;) {
    if (t.done) return;
    if (t.cpu < 0 && !sim.cpus.acquire(t, sim.nowNs)) {
      sim.cpus.enqueue(t, false);
      return;
    }
    if (t.penaltyNs > 0) {
      const d = t.penaltyNs;
      t.penaltyNs = 0;
      sim.schedule(t, sim.nowNs + d);
      return;
    }
    const program = t.program;
    if (program === null) return;
    sim.currentRef = t;
    let d = 0;
    let finished = false;
    try {
      // the generator goes on when no plain part runs or the one running is done; HANDOFF starts one
      d = t.plain !== null ? t.plain.step() : PLAIN_DONE;
      while (d === PLAIN_DONE || d === HANDOFF) {
        if (d === HANDOFF) {
          d = (t.plain as PlainProgram).step();
          continue;
        }
        t.plain = null;
        const r = program.next();
        if (r.done === true) {
          finished = true;
          break;
        }
        d = r.value;
      }
    } catch (e) {
      // a kernel oops ends the run where it happens; anything else is our bug
      if (!(e instanceof KernelOops)) throw e;
      sim.kernelBug = { atNs: sim.nowNs, function: e.fn, what: e.what, process: t.proc.name, thread: t.name };
      return;
    }
    if (finished) {
      threadFinished(sim, t);
      return;
    }
    if (d === BLOCK) {
      t.blocked = true;
      sim.cpus.release(t, sim.nowNs);
      return;
    }
    if (sim.cpus.sliceOver(t, sim.nowNs)) {
      t.pendingDelay = d;
      sim.cpus.release(t, sim.nowNs);
      sim.cpus.enqueue(t, false);
      return;
    }
    if (!sim.continueAt(sim.nowNs + d)) {
      sim.schedule(t, sim.nowNs + d);
      return;
    }
  }
}

/**
 * The running thread `t` spends `d` ns: true when it goes on inline, having done what the loop
 * does between events, because its wake-up precedes every queued event and would be the next one
 * run anyway; false when it must yield `d` instead. Lets plain code (an access phase's hot loop)
 * take yields without a trip through the queue or the generators above it.
 */
export function tryInline(sim: Simulator, t: UserThread, d: number): boolean {
  // what runThread() does with a yield, then with the wake-up event (see there)
  if (t.done || t.cpu < 0 || t.penaltyNs > 0 || sim.cpus.sliceOver(t, sim.nowNs)) return false;
  return sim.continueAt(sim.nowNs + d);
}
