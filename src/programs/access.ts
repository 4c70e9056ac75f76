// Access phases: one or more threads touching enclave pages by a pattern, with barriers between
// phases; the hot loop runs accesses that hit a present PTE inline until another event is due.
import { Encl, enclMmSlot, ptePresentBit, pteAccessedBit } from "../kernel/encl.js";
import {
  PAGE_SIZE,
  SGX_ENCL_NO_MEMORY,
} from "../kernel/sgx.js";
import type { AccessPhase, Phase } from "./types.js";
import { createSampler, type PageSampler } from "./patterns.js";
import { pteIndex, type EnclPageMap } from "../kernel/encl-page.js";
import { Barrier, BLOCK, HANDOFF, PLAIN_DONE, UserThread, type PlainProgram, type ThreadProgram, type TracedRequests } from "../engine/process.js";
import { Rng } from "../lib/random.js";
import { PG_EAUG, PG_ELDU, PG_FAULTS, PG_SIGBUS } from "../kernel/paging-accounts.js";

import { sigbusCause, touchStep, TouchState, TOUCH_OK, TOUCH_STOP } from "../engine/fault.js";
import { newThread, killProcess } from "../engine/tasks.js";
import { noEnclave, sleep, enterEnclave, eexit } from "../engine/syscall.js";
import type { Simulator } from "../engine/sim.js";
import { grow, shrink } from "./sgx2.js";

const BURST_DONE = 0;
/** a hit reached the inline limit: yield the access's time */
const BURST_YIELD = 1;
/** an access on the fault path must yield `pending` ns, then go on with touchStep() */
const BURST_TOUCH = 2;
/** the process must stop (exiting, or the access killed it) */
const BURST_STOP = 3;
/** an access ended and the think time after it must be yielded */
const BURST_THINK = 4;

/** the state of an access phase's hot loop between bursts */
interface AccessBurst {
  readonly t: UserThread;
  readonly encl: Encl;
  readonly sampler: PageSampler;
  readonly rng: Rng;
  readonly first: number;
  /** the mm slot whose PTE plane the burst reads */
  readonly slot: number;
  readonly present: number;
  readonly accessed: number;
  readonly step: number;
  readonly pageArray: EnclPageMap;
  readonly count: number;
  readonly thinkNs: number;
  /** per access, think time after it on top of `thinkNs` (a trace replayed with its timing), or null */
  readonly thinks: Float64Array | null;
  /** a replayed trace's pages (the sampler's own array, request i at [i]), or null for other patterns */
  readonly tracePages: Uint32Array | null;
  /** requests before this one have had their page records read ahead (lookAhead()) */
  ahead: number;
  /** what lookAhead() read, or'ed: kept so that its reads are not optimised away */
  aheadSeen: number;
  /** the access on the fault path, run inline while nothing else is due */
  readonly touch: TouchState;
  /** ELDUs and EAUGs attributed to the process when the access on the fault path began */
  loadsBefore: number;
  /** accesses that needed ELDU or EAUG */
  misses: number;
  /** accesses done */
  i: number;
  /** ns the access in progress must yield */
  pending: number;
  /** inline execution must stay below this time */
  limit: number;
}

export function* runThreads(sim: Simulator, t: UserThread, threads: number, phases: Phase[]): Generator<number, boolean, void> {
  const p = t.proc;
  const barrier = new Barrier(threads);
  for (let i = 1; i < threads; i++) {
    const helper = newThread(sim, p, i, (th) => phaseProgram(sim, th, phases, barrier));
    sim.schedule(helper, sim.nowNs);
  }
  yield* phaseProgram(sim, t, phases, barrier);
  if (p.liveThreads > 1) {
    p.joinWaiter = t;
    // threadFinished() wakes the waiter when the last other thread ends
    while (p.liveThreads > 1) yield BLOCK;
    p.joinWaiter = null;
  }
  return !p.exiting;
}

export function* phaseProgram(sim: Simulator, t: UserThread, phases: Phase[], barrier: Barrier): ThreadProgram {
  const p = t.proc;
  const encl = p.encl;
  for (const phase of phases) {
    if (p.exiting) return;
    if (encl === null) {
      noEnclave(sim, p, "access");
      return;
    }
    if (phase.type === "access") {
      if (!(yield* accessPhase(sim, t, encl, phase))) return;
    } else if (phase.type === "idle") {
      yield eexit(sim, t);
      yield* sleep(sim, t, phase.durationNs);
    } else if (t.index === 0) {
      const ok = phase.type === "grow" ? yield* grow(sim, t, encl, phase.bytes) : yield* shrink(sim, t, encl, phase.bytes);
      if (!ok) return;
    }
    // barrier between phases
    barrier.arrived++;
    if (barrier.arrived === barrier.parties) {
      barrier.arrived = 0;
      for (const w of barrier.waiting.splice(0)) sim.wake(w);
    } else {
      // the kill that makes a thread skip the barrier wakes every waiter
      if (p.exiting) return;
      barrier.waiting.push(t);
      yield BLOCK;
    }
  }
}

/** the hot loop: accesses that hit a present PTE run inline until another event is due */
export function* accessPhase(sim: Simulator, t: UserThread, encl: Encl, phase: AccessPhase): Generator<number, boolean, void> {
  const p = t.proc;
  const sampler = createSampler(phase.pattern, phase.pages);
  const rng = t.rng;
  const first = phase.offset / PAGE_SIZE;
  const slot = enclMmSlot(encl, p.mm);
  if (slot < 0) {
    const index = first;
    if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) {
      // v5: the OOM path drained the mm list and zapped the mappings: the first access faults, and
      // sgx_vma_fault() says SIGBUS
      sim.sgx.counters.faults++;
      sim.sgx.counters.sigbus++;
      sim.sgx.account(PG_FAULTS);
      sim.sgx.account(PG_SIGBUS);
      killProcess(sim, p, "SIGBUS", sigbusCause(sim, t, encl, index, sim.nowNs, "page fault"));
    } else killProcess(sim, p, "SIGSEGV", { kind: "fault", atNs: sim.nowNs, op: "page fault", signal: "SIGSEGV", page: index });
    return false;
  }
  const burst: AccessBurst = {
    t,
    encl,
    sampler,
    rng,
    first,
    slot,
    present: ptePresentBit(slot),
    accessed: pteAccessedBit(slot),
    step: sim.costs.memoryAccess + phase.thinkNs,
    pageArray: encl.pageArray,
    count: phase.count,
    thinkNs: phase.thinkNs,
    thinks: phase.pattern.kind === "trace" ? phase.pattern.thinkNs : null,
    tracePages: phase.pattern.kind === "trace" && phase.pattern.pages.length === phase.count ? phase.pattern.pages : null,
    ahead: 0,
    aheadSeen: 0,
    touch: new TouchState(),
    loadsBefore: 0,
    misses: 0,
    i: 0,
    pending: 0,
    limit: 0,
  };
  yield enterEnclave(sim, t, encl);
  burst.limit = sim.inlineLimit(t);
  // the phase's accesses run as plain code (AccessLoop), not through the generators above
  const loop = new AccessLoop(sim, burst);
  t.plain = loop;
  yield HANDOFF;
  if (phase.pattern.kind === "trace") {
    // made when the process was (programs/run.ts tracedBy()), so a replay that never gets here reports 0
    const r = p.traced as TracedRequests;
    r.requests += burst.i;
    r.misses += burst.misses;
  }
  if (!loop.ok) return false;
  yield eexit(sim, t);
  return true;
}

const AT_BURST = 0;
const AT_TOUCH = 1;
const AT_LIMIT = 2;

/**
 * An access phase's accesses as a plain program (engine/process.ts PlainProgram): bursts of hits,
 * accesses on the fault path through touchStep(), each yield returned by step()
 */
class AccessLoop implements PlainProgram {
  private at = AT_BURST;
  /** false when the process must stop */
  ok = true;

  constructor(
    private readonly sim: Simulator,
    private readonly burst: AccessBurst,
  ) {}

  step(): number {
    const sim = this.sim;
    const b = this.burst;
    for (;;) {
      if (this.at === AT_BURST) {
        const r = accessBurst(sim, b);
        if (r === BURST_DONE || r === BURST_STOP) {
          this.ok = r === BURST_DONE;
          return PLAIN_DONE;
        }
        if (r === BURST_TOUCH) {
          // the access on the fault path goes on after this yield
          this.at = AT_TOUCH;
          return b.pending;
        }
        this.at = AT_LIMIT;
        // a hit at the inline limit, or the think time after an access on the fault path
        return b.pending;
      }
      if (this.at === AT_TOUCH) {
        const d = touchStep(sim, b.t, b.touch);
        if (d === TOUCH_STOP) {
          this.ok = false;
          return PLAIN_DONE;
        }
        if (d !== TOUCH_OK) return d;
        const think = touched(sim, b);
        this.at = AT_LIMIT;
        if (think > 0) return think;
      }
      // after a yield: inline execution may go as far as the next event
      b.limit = sim.inlineLimit(b.t);
      this.at = AT_BURST;
    }
  }
}

/** ELDUs and EAUGs attributed to process `pid` so far: a request that raised them was a miss */
function pageLoads(sim: Simulator, pid: number): number {
  const paging = sim.sgx.paging;
  return paging.processTotal(pid, PG_ELDU) + paging.processTotal(pid, PG_EAUG);
}

/** an access on the fault path is done: count it (and whether it missed); the think time after it */
function touched(sim: Simulator, b: AccessBurst): number {
  if (pageLoads(sim, b.t.proc.pid) > b.loadsBefore) b.misses++;
  const i = b.i;
  b.i = i + 1;
  return b.thinks === null ? b.thinkNs : b.thinkNs + (b.thinks[i] as number);
}

/** requests whose page records lookAhead() reads in one go */
const LOOK_AHEAD = 16;

/**
 * reads the page records of the next LOOK_AHEAD requests of a replayed trace in one short loop, so
 * that their cache misses overlap: the hot loop would otherwise wait on memory once per request,
 * and a fault between two requests is too long for the core to have the next one's load in flight
 */
function lookAhead(b: AccessBurst, pte: Uint16Array, i: number): void {
  const pages = b.tracePages as Uint32Array;
  const end = Math.min(b.count, i + LOOK_AHEAD);
  const map = b.pageArray;
  let seen = 0;
  for (let k = i; k < end; k++) {
    const ep = map.slot(b.first + (pages[k] as number));
    if (ep >= 0) seen |= pte[pteIndex(ep)] as number;
  }
  b.aheadSeen |= seen;
  b.ahead = end;
}

/**
 * the hot loop, outside the generator so it compiles tight: accesses that hit a present PTE run
 * inline until another event is due; one that needs the fault path runs through touchStep(), its
 * yields taken inline (Simulator.tryInline()) while they precede every queued event
 */
export function accessBurst(sim: Simulator, b: AccessBurst): number {
  const t = b.t;
  const proc = t.proc;
  const { sampler, rng, first, present, accessed, step, pageArray, count, tracePages } = b;
  let limit = b.limit;
  let now = sim.nowNs;
  let i = b.i;
  let r = BURST_DONE;
  // the PTE plane is reallocated only when enclave pages are (on the fault path): read it again there
  let pte = sim.sgx.enclPages.ptePlane(b.slot);
  while (i < count) {
    if (proc.exiting) {
      r = BURST_STOP;
      break;
    }
    if (tracePages !== null && i >= b.ahead) lookAhead(b, pte, i);
    const index = first + sampler.next(rng);
    // a present PTE is on a mapped page at its own slot; anything else asks the page map
    let ep = pageArray.slot(index);
    if (ep < 0 || ((pte[pteIndex(ep)] as number) & present) === 0) ep = pageArray.get(index);
    if (t.insideSecs === null || ep < 0 || ((pte[pteIndex(ep)] as number) & present) === 0) {
      // the fault path, inline while its yields come before anything else
      sim.nowNs = now;
      const ts = b.touch.begin(b.encl, b.slot, index, false, false);
      b.loadsBefore = pageLoads(sim, proc.pid);
      let d = touchStep(sim, t, ts);
      while (d >= 0 && sim.tryInline(t, d)) d = touchStep(sim, t, ts);
      now = sim.nowNs;
      if (d === TOUCH_STOP) {
        r = BURST_STOP;
        break;
      }
      if (d !== TOUCH_OK) {
        b.pending = d;
        r = BURST_TOUCH;
        break;
      }
      b.i = i;
      const think = touched(sim, b);
      i = b.i;
      if (think > 0 && !sim.tryInline(t, think)) {
        b.pending = think;
        r = BURST_THINK;
        break;
      }
      now = sim.nowNs;
      limit = sim.inlineLimit(t);
      pte = sim.sgx.enclPages.ptePlane(b.slot);
      continue;
    }
    const pi = pteIndex(ep);
    pte[pi] = (pte[pi] as number) | accessed;
    const stepNs = b.thinks === null ? step : step + (b.thinks[i] as number);
    i++;
    const next = now + stepNs;
    if (next >= limit) {
      b.pending = stepNs;
      r = BURST_YIELD;
      break;
    }
    now = next;
  }
  sim.nowNs = now;
  b.i = i;
  return r;
}
