// The discrete-event simulator: a clock in integer nanoseconds, an event queue with a deterministic
// order for equal times, the actors it runs (user threads, kernel threads, timers), the inline limit,
// the scenario's timed events. It implements KernelEnv, so kernel code sees `current`, wakes ksgxd
// and sends IPIs through it. No I/O and no wall clock: the same scenario and seed give the same
// result. Its concepts live beside it and work on its state: cpus.ts (the scheduler), tasks.ts,
// syscall.ts, fault.ts, thread-run.ts, kthread-run.ts, livelock.ts, oom.ts, scripted.ts, tracepoints.ts; what
// processes run comes from programs/.
import { resolveCosts, type Costs } from "../hw/costs.js";
import { sgxDirtyAtBoot, sgxSanitizeAtBoot } from "../kernel/alloc.js";
import type { Encl } from "../kernel/encl.js";
import { ksgxd } from "../kernel/reclaim.js";
import { Sgx, type KernelEnv, type Task } from "../kernel/state.js";
import type { Cgroup } from "../cgroup/misc.js";
import type { FileOp, FileOpHost } from "../cgroup/file-ops.js";
import type { MemcgOomHost } from "../cgroup/memcg-oom.js";
import { EventQueue } from "../lib/event-queue.js";
import { Rng } from "../lib/random.js";
import type { SimScenario, TaskConfig } from "./world.js";
import { checkInvariants } from "./invariants.js";
import { Cpus } from "./cpus.js";
import { ksgxdBoot, addKthread, wakeKthread, runKthread } from "./kthread-run.js";
import { runThread, tryInline } from "./thread-run.js";
import { startProcess, killProcess } from "./tasks.js";
import { leaveEnclave, Process, UserThread, type ThreadProgram } from "./process.js";
import { KernelThread, KT_SLEEPING, KT_WAKING, WorkItem } from "./kthread.js";
import { buildSummary, type SimSummary } from "./summary.js";
import type { SimEvent, SimObserver, Track } from "./observer.js";
import type { EpcOomSelection, ProcessCause } from "./cause.js";
import { kernelLoopRetried, type KernelLoops, type Livelock } from "./livelock.js";
import { enclaveOomKilled, memcgOom, memcgOomHost, type MemcgKill } from "./oom.js";
import { createCgroups, fileOpHost, runScheduled } from "./scripted.js";
import { installTracepoints, trackOf } from "./tracepoints.js";

export type { FileOp } from "../cgroup/file-ops.js";
export type { Livelock } from "./livelock.js";

export interface SimOptions {
  /** check the invariants after every event */
  checkInvariants?: boolean;
  /** stop after this many events (a guard for runaway scenarios); default unlimited */
  maxEvents?: number;
  /** who watches the run (time series, event log, trace, progress); observing changes nothing */
  observer?: SimObserver;
}

const PROGRESS_EVERY = 1 << 16;

type Actor =
  | { kind: "thread"; thread: UserThread }
  /** ksgxd or a kworker */
  | { kind: "kthread"; thread: KernelThread }
  | { kind: "timer"; fire: () => void };

/** the run stopped at a kernel bug: the kernel would oops here */
export interface KernelBug {
  atNs: number;
  /** the kernel function that faults */
  function: string;
  what: string;
  /** whose system call or fault ran into it */
  process: string;
  thread: string;
}

export interface InvariantViolation {
  atNs: number;
  message: string;
}

const MAX_VIOLATIONS = 100;

/** what simulated processes run: the engine starts each process's main thread with `main` */
export interface UserPrograms {
  main(sim: Simulator, t: UserThread): ThreadProgram;
  /** the process is a KVM guest (it runs a vEPC): the end of the others does not wait for it */
  isGuest(config: TaskConfig): boolean;
  /** the trace the process replays (its first trace phase), or null: a replay counts it from the start, so one that dies before its trace shows 0 requests */
  tracedBy(config: TaskConfig): { tenant: string; source: string } | null;
}

export class Simulator implements KernelEnv {
  nowNs = 0;
  readonly sgx: Sgx;
  readonly costs: Costs;
  readonly processes: Process[] = [];
  readonly queue = new EventQueue();
  readonly actors: Actor[] = [];
  readonly cpus: Cpus;
  readonly untilNs: number;
  /** the task whose context runs now: KernelEnv.current() */
  currentRef: Task;
  /** ksgxd; scripted events (timers) also run in its context */
  private readonly ksgxdTask: KernelThread;
  /** the work items queued so far, one per key (struct work_struct), each with its kworker */
  private readonly workItems = new Map<object, WorkItem>();
  readonly obs: SimObserver | null;
  private nextSampleNs = 0;
  /** v5 EPC OOM selections: the enclave whose memory was taken, its cgroup, what triggered the OOM, and whether that was a kill */
  readonly epcOomKills: EpcOomSelection[] = [];
  /** the process that opened each enclave, by enclave id */
  readonly enclOwners: Process[] = [];
  /** enclaves the OOM path took from a running process: the cause its SIGBUS is reported with */
  readonly oomCauses = new Map<Encl, ProcessCause>();

  /** v5: the EPC OOM path took `encl`'s memory (engine/oom.ts) */
  enclaveOomKilled(encl: Encl, cgroup: Cgroup, trigger: string): boolean {
    return enclaveOomKilled(this, encl, cgroup, trigger);
  }

  /** kills by the memcg OOM killer */
  readonly memcgKills: MemcgKill[] = [];
  /** every scripted read, write, mkdir, rmdir and move, in order */
  readonly fileOps: FileOp[] = [];
  readonly fileOpHost: FileOpHost<Process>;
  readonly oomHost: MemcgOomHost<Process>;
  /** the next generator ksgxd runs when it wakes: its loop, or the boot-time sanitization first */
  private ksgxdNext: Generator<number, void> | null = null;
  readonly rng: Rng;
  nextTid = 1;
  nextMmId = 1;
  readonly holders: UserThread[] = [];
  /** children created by fork steps; not scenario instances, so not in the summary's processes */
  readonly forks: Process[] = [];
  forkCount = 0;
  events = 0;
  invariantChecks = 0;
  readonly violations: InvariantViolation[] = [];
  private readonly check: boolean;
  private readonly maxEvents: number;
  readonly livelockRetries: number;
  /** set when the run stopped at a livelock */
  livelock: Livelock | null = null;
  /** set when the run stopped at a kernel oops */
  kernelBug: KernelBug | null = null;

  constructor(
    readonly scenario: SimScenario,
    options: SimOptions,
    /** what the processes run (programs/run.ts puts the simulator together with it) */
    readonly programs: UserPrograms,
  ) {
    this.costs = resolveCosts(scenario.machine.profile, scenario.machine.costs);
    this.sgx = new Sgx(scenario.machine, this.costs, this, scenario.options, {
      generation: scenario.kernel,
      miscEvents: scenario.options.miscEvents ?? (scenario.kernel === "v5" ? "pre-6.11" : "6.11"),
    });
    this.fileOpHost = fileOpHost(this);
    this.oomHost = memcgOomHost(this);
    this.cpus = new Cpus(scenario.machine.cpus, scenario.options.schedQuantumNs, (scenario.options.kthreads ?? "scheduled") === "scheduled", this.queue, this.sgx);
    this.untilNs = scenario.untilNs ?? Infinity;
    this.check = options.checkInvariants ?? false;
    this.obs = options.observer ?? null;
    if (this.obs !== null) installTracepoints(this, this.obs);
    this.maxEvents = options.maxEvents ?? Infinity;
    this.livelockRetries = scenario.options.livelockRetries ?? 100_000;
    this.rng = Rng.fromSeed(scenario.seed);
    this.ksgxdTask = addKthread(
      this,
      new KernelThread(1, "ksgxd", () => {
        const g = this.ksgxdNext;
        this.ksgxdNext = null;
        return g;
      }, null),
    );
    this.currentRef = this.ksgxdTask;
    if (scenario.options.timedSanitize) {
      // ksgxd starts at boot (t=0) with the two sanitization passes, then enters its loop
      sgxDirtyAtBoot(this.sgx);
      this.ksgxdNext = ksgxdBoot(this);
      this.ksgxdTask.state = KT_WAKING;
      this.queue.push(0, this.ksgxdTask.actorId);
    } else {
      sgxSanitizeAtBoot(this.sgx);
    }
    scenario.processes.forEach((cfg, i) => {
      const isGuest = programs.isGuest(cfg);
      const p = new Process(i + 1, cfg, this.nextMmId++, isGuest);
      const traced = programs.tracedBy(cfg);
      if (traced !== null) p.traced = { ...traced, requests: 0, misses: 0 };
      this.processes.push(p);
      this.at(cfg.start, () => startProcess(this, p));
    });
    createCgroups(this, scenario);
    for (const ev of scenario.events) this.at(ev.at, () => runScheduled(this, ev.action));
  }

  /** the track of a task, for slices (engine/tracepoints.ts) */
  trackOf(task: Task): Track {
    return trackOf(task);
  }

  emit(e: SimEvent): void {
    this.obs?.event(e);
  }

  /** mem_cgroup_out_of_memory() at `memcg` (engine/oom.ts, cgroup/memcg-oom.ts) */
  memcgOom(memcg: Cgroup, trigger = `${this.currentRef.name}: a backing-store page`): boolean {
    return memcgOom(this, memcg, trigger);
  }

  // ---- KernelEnv ---------------------------------------------------------------------------------

  now(): number {
    return this.nowNs;
  }

  current(): Task {
    return this.currentRef;
  }

  wakeKsgxd(): void {
    // wait_event_freezable() rechecks its condition before sleeping: a wake-up while ksgxd runs is lost
    const k = this.ksgxdTask;
    if (k.state !== KT_SLEEPING) return;
    this.sgx.counters.ksgxdWakeups++;
    this.ksgxdNext = ksgxd(this.sgx);
    wakeKthread(this, k);
  }

  interrupt(task: Task): void {
    if (!(task instanceof UserThread)) return;
    if (task.insideSecs !== null) {
      leaveEnclave(task);
      this.sgx.counters.aex++;
      task.penaltyNs += this.costs.aex;
    }
  }

  /** queue_work(): see WorkItem for the non-reentrance rules */
  queueWork(key: object, work: () => Generator<number, void>, label = "work"): boolean {
    let item = this.workItems.get(key);
    if (item === undefined) {
      item = new WorkItem(2 + this.workItems.size, label, work);
      addKthread(this, item.worker);
      this.workItems.set(key, item);
    }
    if (item.pending) return false;
    item.pending = true;
    item.make = work;
    // a running item runs again when the current run returns; an idle one wakes its kworker
    if (!item.running && item.worker.state === KT_SLEEPING) wakeKthread(this, item.worker);
    return true;
  }

  /** cancel_work_sync(): a pending run is dropped; a running one finishes (the caller would wait for it) */
  cancelWork(key: object): void {
    const item = this.workItems.get(key);
    if (item !== undefined) item.pending = false;
  }

  /** cond_resched() in kernel code: the kernel thread's next yield is a point where it may be preempted */
  condResched(): void {
    const k = this.currentRef;
    if (k instanceof KernelThread) k.atPreemptPoint = true;
  }

  continueInline(ns: number): boolean {
    const t = this.currentRef;
    return t instanceof UserThread && tryInline(this, t, ns);
  }

  forceSigbus(task: Task): void {
    if (task instanceof UserThread) killProcess(this, task.proc, "SIGBUS", { kind: "memory-failure", atNs: this.nowNs });
  }

  // ---- scheduling ---------------------------------------------------------------------------------

  addActor(a: Actor): number {
    this.actors.push(a);
    return this.actors.length - 1;
  }

  at(time: number, fire: () => void): void {
    this.queue.push(time, this.addActor({ kind: "timer", fire }));
  }

  schedule(t: UserThread, time: number): void {
    t.scheduled = true;
    this.queue.push(time, t.actorId);
  }

  /** wake a blocked thread now */
  wake(t: UserThread): void {
    if (!t.blocked || t.done) return;
    t.blocked = false;
    t.sleepToken++;
    this.schedule(t, this.nowNs);
  }

  /** how far a running thread may advance inline before another event is due */
  inlineLimit(t: UserThread): number {
    return Math.min(this.queue.peekTime(), this.cpus.sliceEnd(t), this.untilNs + 1);
  }

  /** the running thread `t` spends `d` ns: true when it goes on inline (thread-run.ts) */
  tryInline(t: UserThread, d: number): boolean {
    return tryInline(this, t, d);
  }

  /**
   * The running task's next event is at `time`: when no queued event comes before it (an equal time
   * queued earlier runs first), run the loop's steps between this event and that one and return
   * true, so that the task runs on without the queue. Same order, same counts, same samples.
   */
  continueAt(time: number): boolean {
    if (time >= this.queue.peekTime() || time > this.untilNs || this.events >= this.maxEvents) return false;
    if (this.livelock !== null || this.kernelBug !== null) return false;
    if (this.check) this.checkNow();
    if (this.obs !== null) this.observe(this.obs, time);
    this.nowNs = time;
    this.events++;
    return true;
  }

  /** runs the simulation to its end and returns the summary */
  run(): SimSummary {
    const queue = this.queue;
    while (queue.size > 0) {
      const t = queue.peekTime();
      if (t > this.untilNs) break;
      if (this.events >= this.maxEvents) break;
      if (this.obs !== null) this.observe(this.obs, t);
      const id = queue.pop();
      this.nowNs = t;
      this.events++;
      const actor = this.actors[id] as Actor;
      if (actor.kind === "thread") runThread(this, actor.thread);
      else if (actor.kind === "kthread") runKthread(this, actor.thread);
      else {
        this.currentRef = this.ksgxdTask;
        actor.fire();
        this.sgx.takeCost();
      }
      if (this.check) this.checkNow();
      if (this.livelock !== null || this.kernelBug !== null) break;
    }
    if (this.untilNs !== Infinity && queue.size > 0) this.nowNs = Math.max(this.nowNs, this.untilNs);
    if (this.check) this.checkNow();
    if (this.obs !== null) {
      this.observe(this.obs, this.nowNs);
      // the last, partial interval
      this.obs.sample(this.nowNs);
    }
    return buildSummary(this);
  }

  /** samples at every interval boundary up to `t`; progress now and then */
  private observe(obs: SimObserver, t: number): void {
    while (this.nextSampleNs < t) {
      if (this.nextSampleNs > 0) obs.sample(this.nextSampleNs);
      this.nextSampleNs += obs.sampleIntervalNs;
    }
    if ((this.events & (PROGRESS_EVERY - 1)) === 0) obs.progress?.(t, this.events);
  }

  private readonly kernelLoops: KernelLoops = new Map();

  /** the livelock guard for the kernel's retry loops (engine/livelock.ts) */
  kernelLoop(operation: string, progress: boolean, cgroup: Cgroup | null): void {
    kernelLoopRetried(this, this.kernelLoops, operation, progress, cgroup);
  }

  checkNow(): void {
    this.invariantChecks++;
    if (this.violations.length >= MAX_VIOLATIONS) return;
    for (const message of checkInvariants(this.sgx)) {
      if (this.violations.length >= MAX_VIOLATIONS) break;
      this.violations.push({ atNs: this.nowNs, message });
    }
  }
}
