// The discrete-event simulator: a clock in integer nanoseconds, an event queue with a deterministic
// order for equal times, CPUs with a FIFO run queue, ksgxd, the scenario's processes and timed
// events. It implements KernelEnv, so kernel code sees `current`, wakes ksgxd and sends IPIs
// through it. No I/O and no wall clock: the same scenario and seed give the same result.
import { resolveCosts, type Costs } from "../hw/costs.js";
import { archMemoryFailure, sgxDirtyAtBoot, sgxSanitizeAtBoot, sgxSanitizePages } from "../kernel/alloc.js";
import { Encl, enclMmSlot, sgxEnclEaugPage, sgxEnclMmAdd, sgxEnclMmRemove, sgxVmaFault, ptePresentBit, pteAccessedBit, VM_FAULT_SIGBUS } from "../kernel/encl.js";
import { EP_TRIM_ACCEPTED } from "../kernel/encl-page.js";
import { EACCES, EAGAIN, ESRCH, errnoName, SIGNALS } from "../lib/errno.js";
import {
  sgxIocEnclaveAddPages,
  sgxIocEnclaveCreate,
  sgxIocEnclaveInit,
  sgxIocEnclaveModifyTypes,
  sgxIocEnclaveProvision,
  sgxIocEnclaveRemovePages,
  sgxIocEnclaveRestrictPermissions,
  type IoctlResult,
} from "../kernel/ioctl.js";
import { ksgxd } from "../kernel/reclaim.js";
import { EnclFile, fput, sgxEnclMayMap, sgxMmap, sgxOpen } from "../kernel/driver.js";
import {
  PAGE_SIZE,
  PROT_R,
  PROT_W,
  SGX_IOC_ENCLAVE_ADD_PAGES,
  SGX_IOC_ENCLAVE_CREATE,
  SGX_IOC_ENCLAVE_INIT,
  SGX_IOC_ENCLAVE_MODIFY_TYPES,
  SGX_IOC_ENCLAVE_PROVISION,
  SGX_IOC_ENCLAVE_REMOVE_PAGES,
  SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
  SGX_IOC_VEPC_REMOVE_ALL,
  SGX_ENCL_NO_MEMORY,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TRIM,
  X86_TRAP_PF,
} from "../kernel/sgx.js";
import { Sgx, type KernelEnv, type Task } from "../kernel/state.js";
import { sgxVepcFault, sgxVepcRelease, sgxVepcRemoveAll, Vepc, VEPC_RETRY, VEPC_SIGBUS } from "../kernel/virt.js";
import type { AccessPhase, EcallStep, EnclaveException, Phase, Scenario, ScheduledAction, Step } from "../programs/types.js";
import type { AcceptSecinfo } from "../hw/epcm.js";
import type { Cgroup } from "../cgroup/misc.js";
import { fileOp, mkdirP, type FileOp, type FileOpHost } from "../cgroup/file-ops.js";
import { memcgOomForLimit, memcgOutOfMemory, type MemcgOomHost } from "../cgroup/memcg-oom.js";
import { memcgTryCharge, memcgUncharge } from "../cgroup/memory.js";
import { EventQueue } from "../lib/event-queue.js";
import { checkInvariants } from "./invariants.js";
import { createSampler, type PageSampler } from "../programs/patterns.js";
import type { SparseInt32Array } from "../lib/sparse-array.js";
import { Cpus } from "./cpus.js";
import { Barrier, BLOCK, leaveEnclave, Process, UserThread, type EacceptRecord, type IoctlRecord, type ReportedException, type ThreadProgram } from "./process.js";
import { mainlineHasNoSgxEpc, refusedWriteMessage, ScenarioSetupError } from "./setup-error.js";
import { KernelThread, KT_RUNNABLE, KT_RUNNING, KT_SLEEPING, KT_WAKING, WorkItem } from "./kthread.js";
import { Rng } from "../lib/random.js";
import { buildSummary, type SimSummary } from "./summary.js";
import type { SimEvent, SimObserver, Track } from "./observer.js";
import { refusalCause, type EpcOomSelection, type ProcessCause } from "./cause.js";
import { PG_FAULTS, PG_SIGBUS } from "../kernel/paging-accounts.js";
import { KernelOops } from "../kernel/bug.js";

export type { FileOp } from "../cgroup/file-ops.js";

export interface SimOptions {
  /** check the invariants after every event */
  checkInvariants?: boolean;
  /** stop after this many events (a guard for runaway scenarios); default unlimited */
  maxEvents?: number;
  /** who watches the run (time series, event log, trace, progress); observing changes nothing */
  observer?: SimObserver;
}

const PROGRESS_EVERY = 1 << 16;
/** X86_PF_SGX: the #PF came from the EPCM checks, not the page tables */
const PF_SGX = 0x8000;
const SECINFO_TYPE = { REG: SGX_PAGE_TYPE_REG, TCS: SGX_PAGE_TYPE_TCS, TRIM: SGX_PAGE_TYPE_TRIM } as const;
const KERNEL_PID = 0;

type Actor =
  | { kind: "thread"; thread: UserThread }
  /** ksgxd or a kworker */
  | { kind: "kthread"; thread: KernelThread }
  | { kind: "timer"; fire: () => void };

const BURST_DONE = 0;
const BURST_YIELD = 1;
const BURST_FAULT = 2;
const BURST_EXITING = 3;

/** the state of an access phase's hot loop between bursts */
interface AccessBurst {
  readonly t: UserThread;
  readonly sampler: PageSampler;
  readonly rng: Rng;
  readonly first: number;
  /** the mm slot whose PTE plane the burst reads */
  readonly slot: number;
  readonly present: number;
  readonly accessed: number;
  readonly step: number;
  readonly pageArray: SparseInt32Array;
  readonly count: number;
  /** accesses done */
  i: number;
  /** the page the next access needs the fault path for */
  index: number;
  /** inline execution must stay below this time */
  limit: number;
}

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

export interface InvariantViolation {
  atNs: number;
  message: string;
}

const MAX_VIOLATIONS = 100;

export class Simulator implements KernelEnv {
  nowNs = 0;
  readonly sgx: Sgx;
  readonly costs: Costs;
  readonly processes: Process[] = [];
  private readonly queue = new EventQueue();
  private readonly actors: Actor[] = [];
  private readonly cpus: Cpus;
  private readonly untilNs: number;
  private currentRef: Task;
  /** ksgxd; scripted events (timers) also run in its context */
  private readonly ksgxdTask: KernelThread;
  /** the work items queued so far, one per key (struct work_struct), each with its kworker */
  private readonly workItems = new Map<object, WorkItem>();
  private readonly obs: SimObserver | null;
  private nextSampleNs = 0;
  /** v5 EPC OOM selections: the enclave whose memory was taken, its cgroup, what triggered the OOM, and whether that was a kill */
  readonly epcOomKills: EpcOomSelection[] = [];
  /** the process that opened each enclave, by enclave id */
  private readonly enclOwners: Process[] = [];
  /** enclaves the OOM path took from a running process: the cause its SIGBUS is reported with */
  private readonly oomCauses = new Map<Encl, ProcessCause>();

  enclaveOomKilled(encl: Encl, cgroup: Cgroup, trigger: string): boolean {
    const owner = this.enclOwners[encl.id];
    // a process that already died (of its own ENOMEM, say) or is on its way out is not killed by this
    const victimState = owner === undefined || owner.exited ? "exited" : owner.exiting ? "exiting" : "running";
    const kill = victimState === "running";
    const sel: EpcOomSelection = { at: this.nowNs, cgroup: cgroup.path, victim: encl.ownerName, trigger, victimPid: owner?.pid ?? 0, victimState, kill };
    this.epcOomKills.push(sel);
    if (kill) this.oomCauses.set(encl, { kind: "epc-oom", atNs: sel.at, cgroup: sel.cgroup, trigger });
    const { at, ...rest } = sel;
    this.emit({ type: "oom-victim", atNs: at, ...rest });
    return kill;
  }

  /** kills by the memcg OOM killer */
  readonly memcgKills: { atNs: number; cgroup: string; victim: string; victimPid: number; trigger: string }[] = [];
  /** every scripted read, write, mkdir, rmdir and move, in order */
  readonly fileOps: FileOp[] = [];
  private readonly fileOpHost: FileOpHost<Process>;
  private readonly oomHost: MemcgOomHost<Process>;
  /** the next generator ksgxd runs when it wakes: its loop, or the boot-time sanitization first */
  private ksgxdNext: Generator<number, void> | null = null;
  private readonly rng: Rng;
  private nextTid = 1;
  private nextMmId = 1;
  private readonly holders: UserThread[] = [];
  /** children created by fork steps; not scenario instances, so not in the summary's processes */
  readonly forks: Process[] = [];
  private forkCount = 0;
  events = 0;
  invariantChecks = 0;
  readonly violations: InvariantViolation[] = [];
  private readonly check: boolean;
  private readonly maxEvents: number;
  private readonly livelockRetries: number;
  /** set when the run stopped at a livelock */
  livelock: Livelock | null = null;
  /** set when the run stopped at a kernel oops */
  kernelBug: KernelBug | null = null;

  constructor(
    readonly scenario: Scenario,
    options: SimOptions = {},
  ) {
    this.costs = resolveCosts(scenario.machine.profile, scenario.machine.costs);
    this.sgx = new Sgx(scenario.machine, this.costs, this, scenario.options, {
      generation: scenario.kernel,
      miscEvents: scenario.options.miscEvents ?? (scenario.kernel === "v5" ? "pre-6.11" : "6.11"),
    });
    this.fileOpHost = {
      fs: {
        tree: this.sgx.cgroups,
        movePid: (pid, cg) => {
          const p = this.processes.find((q) => q.pid === pid && q.started && !q.exited);
          if (p === undefined) return -ESRCH;
          this.moveProcess(p, cg);
          return 0;
        },
        memcgOomForLimit: (cg) => this.memcgOomForLimit(cg),
      },
      now: () => this.nowNs,
      liveInstances: (name) => this.instances(name).filter((p) => p.started && !p.exited),
      moveProcess: (p, cg) => this.moveProcess(p, cg),
      record: (op) => this.recordFileOp(op),
    };
    this.oomHost = {
      tree: this.sgx.cgroups,
      processes: () => [...this.processes, ...this.forks],
      oomKill: (victim, memcg, trigger) => this.memcgOomKill(victim, memcg, trigger),
    };
    this.cpus = new Cpus(scenario.machine.cpus, scenario.options.schedQuantumNs, (scenario.options.kthreads ?? "scheduled") === "scheduled", this.queue, this.sgx);
    this.untilNs = scenario.untilNs ?? Infinity;
    this.check = options.checkInvariants ?? false;
    this.obs = options.observer ?? null;
    if (this.obs !== null) this.installTracepoints(this.obs);
    this.maxEvents = options.maxEvents ?? Infinity;
    this.livelockRetries = scenario.options.livelockRetries ?? 100_000;
    this.rng = Rng.fromSeed(scenario.seed);
    this.ksgxdTask = this.addKthread(
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
      this.ksgxdNext = this.ksgxdBoot();
      this.ksgxdTask.state = KT_WAKING;
      this.queue.push(0, this.ksgxdTask.actorId);
    } else {
      sgxSanitizeAtBoot(this.sgx);
    }
    scenario.processes.forEach((cfg, i) => {
      const isGuest = cfg.steps.some((s) => s.op === "vepc");
      const p = new Process(i + 1, cfg, this.nextMmId++, isGuest);
      this.processes.push(p);
      this.at(cfg.start, () => this.startProcess(p));
    });
    // cgroups of the scenario, created at time zero (mkdir -p), with their file writes
    for (const cfg of scenario.cgroups) {
      mkdirP(this.sgx.cgroups, cfg.path);
      for (const w of cfg.writes) {
        const op = this.fileOps.length;
        fileOp(this.fileOpHost, { type: "write", path: `${cfg.path === "/" ? "" : cfg.path}/${w.file}`, value: w.value });
        // a limit that does not apply would silently run unlimited: bad input, unless it is the point
        const result = this.fileOps[op]?.result ?? "ok";
        if (result !== "ok" && result !== cfg.expect && !mainlineHasNoSgxEpc(scenario.kernel, w.file, w.value)) throw new ScenarioSetupError(refusedWriteMessage(scenario.source, scenario.kernel, cfg.path, w.file, w.value, result), { source: scenario.source, kernel: scenario.kernel, path: cfg.path, file: w.file, value: w.value, errno: result });
      }
    }
    for (const ev of scenario.events) this.at(ev.at, () => this.scheduled(ev.action));
  }

  private scheduled(action: ScheduledAction): void {
    switch (action.type) {
      case "kill":
        for (const p of this.instances(action.target)) this.killProcess(p, action.signal, { kind: "signal", atNs: this.nowNs, signal: action.signal });
        return;
      case "injectFailure":
        this.sgx.epcm.failNext[action.leaf] = (this.sgx.epcm.failNext[action.leaf] ?? 0) + action.count;
        return;
      case "memoryFailure": {
        const victim = action.process === null ? undefined : this.processes.find((p) => p.name === action.process);
        const task = victim?.threads.find((t) => !t.done);
        const saved = this.currentRef;
        if (task !== undefined) this.currentRef = task;
        archMemoryFailure(this.sgx, action.frame, action.actionRequired && task !== undefined);
        this.currentRef = saved;
        return;
      }
      default:
        fileOp(this.fileOpHost, action);
    }
  }

  /** processes named `name`, or every replica of the base name `name` */
  private instances(name: string): Process[] {
    return this.processes.filter((p) => p.name === name || p.name.startsWith(`${name}[`));
  }

  private recordFileOp(op: FileOp): void {
    this.fileOps.push(op);
    this.emit({ type: "file-op", ...op });
  }

  /** the track of a task, for slices */
  trackOf(task: Task): Track {
    if (task instanceof UserThread) return { pid: task.proc.pid, tid: task.tid, process: task.proc.name, thread: task.name };
    return { pid: KERNEL_PID, tid: task.tid, process: "kernel", thread: task.name };
  }

  private installTracepoints(obs: SimObserver): void {
    this.sgx.trace = {
      reclaimBatch: (e) => {
        obs.event({ type: "reclaim-batch", atNs: e.startNs, ...e });
        obs.slice(this.trackOf(this.currentRef), "reclaim batch", e.startNs, e.endNs, { cgroup: e.cgroup ?? "(global LRU)", scanned: e.scanned, written: e.written, young: e.young });
      },
      chargeFailure: (e) => obs.event({ type: "charge-failure", ...e }),
    };
  }

  private emit(e: SimEvent): void {
    this.obs?.event(e);
  }

  /** the process leaves its cgroup for `cg`; charges it made stay where they were made */
  private moveProcess(p: Process, cg: Cgroup): void {
    p.cgroup?.procs.delete(p.pid);
    p.cgroup = cg;
    p.mm.cgroup = cg;
    cg.procs.add(p.pid);
  }

  /** mem_cgroup_out_of_memory() at `memcg` (cgroup/memcg-oom.ts) */
  memcgOom(memcg: Cgroup, trigger = `${this.currentRef.name}: a backing-store page`): boolean {
    return memcgOutOfMemory(this.oomHost, memcg, trigger);
  }

  /**
   * memory_max_write()'s OOM loop, one round (cgroup/memcg-oom.ts): -1 when no one is left, else the
   * bytes the new victim's death uncharges (its memory, and the backing store of an enclave it alone holds)
   */
  memcgOomForLimit(memcg: Cgroup): number {
    const victim = memcgOomForLimit(this.oomHost, memcg);
    if (victim === null) return -1;
    let bytes = victim.chargedMemory?.bytes ?? 0;
    const encl = victim.encl;
    if (encl !== null && victim.file !== null && victim.file.refs <= 2) bytes += encl.backingPages() * 4096;
    return bytes;
  }

  /** oom_kill_process() of the memcg OOM killer's victim */
  private memcgOomKill(victim: Process, memcg: Cgroup, trigger: string): void {
    this.sgx.counters.memcgOomKills++;
    const kill = { atNs: this.nowNs, cgroup: memcg.path, victim: victim.name, victimPid: victim.pid, trigger };
    this.memcgKills.push(kill);
    this.emit({ type: "memcg-oom-kill", ...kill });
    this.killProcess(victim, "SIGKILL", { kind: "memcg-oom", atNs: kill.atNs, cgroup: kill.cgroup, trigger });
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
    this.wakeKthread(k);
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
      this.addKthread(item.worker);
      this.workItems.set(key, item);
    }
    if (item.pending) return false;
    item.pending = true;
    item.make = work;
    // a running item runs again when the current run returns; an idle one wakes its kworker
    if (!item.running && item.worker.state === KT_SLEEPING) this.wakeKthread(item.worker);
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

  forceSigbus(task: Task): void {
    if (task instanceof UserThread) this.killProcess(task.proc, "SIGBUS", { kind: "memory-failure", atNs: this.nowNs });
  }

  // ---- scheduling ---------------------------------------------------------------------------------

  private addActor(a: Actor): number {
    this.actors.push(a);
    return this.actors.length - 1;
  }

  private at(time: number, fire: () => void): void {
    this.queue.push(time, this.addActor({ kind: "timer", fire }));
  }

  private schedule(t: UserThread, time: number): void {
    t.scheduled = true;
    this.queue.push(time, t.actorId);
  }

  /** wake a blocked thread now */
  private wake(t: UserThread): void {
    if (!t.blocked || t.done) return;
    t.blocked = false;
    t.sleepToken++;
    this.schedule(t, this.nowNs);
  }

  /** how far a running thread may advance inline before another event is due */
  private inlineLimit(t: UserThread): number {
    return Math.min(this.queue.peekTime(), this.cpus.sliceEnd(t), this.untilNs + 1);
  }

  private runThread(t: UserThread): void {
    t.scheduled = false;
    if (t.done) return;
    if (t.cpu < 0 && !this.cpus.acquire(t, this.nowNs)) {
      this.cpus.enqueue(t, false);
      return;
    }
    if (t.penaltyNs > 0) {
      const d = t.penaltyNs;
      t.penaltyNs = 0;
      this.schedule(t, this.nowNs + d);
      return;
    }
    const program = t.program;
    if (program === null) return;
    this.currentRef = t;
    let r: ReturnType<typeof program.next>;
    try {
      r = program.next();
    } catch (e) {
      // a kernel oops ends the run where it happens; anything else is our bug
      if (!(e instanceof KernelOops)) throw e;
      this.kernelBug = { atNs: this.nowNs, function: e.fn, what: e.what, process: t.proc.name, thread: t.name };
      return;
    }
    if (r.done === true) {
      this.threadFinished(t);
      return;
    }
    const d = r.value;
    if (d === BLOCK) {
      t.blocked = true;
      this.cpus.release(t, this.nowNs);
      return;
    }
    if (this.cpus.sliceOver(t, this.nowNs)) {
      t.pendingDelay = d;
      this.cpus.release(t, this.nowNs);
      this.cpus.enqueue(t, false);
      return;
    }
    this.schedule(t, this.nowNs + d);
  }

  private *ksgxdBoot(): Generator<number, void> {
    yield* sgxSanitizePages(this.sgx);
    yield* ksgxd(this.sgx);
  }

  private addKthread(k: KernelThread): KernelThread {
    k.actorId = this.addActor({ kind: "kthread", thread: k });
    return k;
  }

  /** wake_up_process(): the thread becomes runnable after the wake-up latency */
  private wakeKthread(k: KernelThread): void {
    k.state = KT_WAKING;
    this.queue.push(this.nowNs + this.costs.ksgxdWake, k.actorId);
  }

  /**
   * One step of a kernel thread. Woken, it takes an idle CPU or waits at the head of the run queue
   * (a sleeper is behind the CPU hogs in virtual runtime, but a wake-up does not preempt them: it
   * waits for the end of a time slice, a block or an exit). On its CPU it runs its generator; at a
   * cond_resched() after its slice, with others waiting, it goes to the back of the run queue.
   */
  private runKthread(k: KernelThread): void {
    this.currentRef = k;
    if (k.state === KT_WAKING) {
      if (this.cpus.kthreadsOnCpus && !this.cpus.acquire(k, this.nowNs)) {
        k.state = KT_RUNNABLE;
        this.cpus.enqueue(k, true);
        return;
      }
      k.state = KT_RUNNING;
    }
    if (k.gen === null) {
      k.gen = k.nextGen();
      if (k.gen === null) {
        k.state = KT_SLEEPING;
        this.cpus.release(k, this.nowNs);
        return;
      }
      k.genStartNs = this.nowNs;
    }
    k.atPreemptPoint = false;
    const r = k.gen.next();
    let d: number;
    if (r.done === true) {
      // what the code spent after its last yield is still this thread's time
      d = this.sgx.takeCost();
      if (k.sliceName !== null) this.obs?.slice(this.trackOf(k), k.sliceName, k.genStartNs, this.nowNs + d);
      k.gen = null;
      k.atPreemptPoint = true;
    } else {
      d = r.value;
    }
    if (this.cpus.kthreadsOnCpus && k.atPreemptPoint && this.cpus.sliceOver(k, this.nowNs)) {
      k.pendingDelay = d;
      this.cpus.release(k, this.nowNs);
      k.state = KT_RUNNABLE;
      this.cpus.enqueue(k, false);
      return;
    }
    this.queue.push(this.nowNs + d, k.actorId);
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
      if (actor.kind === "thread") this.runThread(actor.thread);
      else if (actor.kind === "kthread") this.runKthread(actor.thread);
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

  /**
   * counts a retry that made no progress (a fault that left the page absent, an ioctl that returned
   * EAGAIN having done nothing); stops the run when the thread is clearly livelocked
   */
  private faultRetried(t: UserThread, page: number, operation = "page fault"): void {
    t.faultRetriesInARow++;
    if (this.livelockRetries > 0 && t.faultRetriesInARow >= this.livelockRetries && this.livelock === null) {
      this.livelock = { atNs: this.nowNs, process: t.proc.name, thread: t.name, operation, page, cgroup: t.proc.cgroup?.path ?? "/", faultRetries: t.faultRetriesInARow };
    }
  }

  /** each task's kernel retry loops and how often each went round in a row without progress */
  private readonly kernelLoops = new Map<Task, Map<string, number>>();

  kernelLoop(operation: string, progress: boolean, cgroup: Cgroup | null): void {
    const task = this.currentRef;
    let loops = this.kernelLoops.get(task);
    if (progress) {
      loops?.delete(operation);
      return;
    }
    if (loops === undefined) {
      loops = new Map();
      this.kernelLoops.set(task, loops);
    }
    const n = (loops.get(operation) ?? 0) + 1;
    loops.set(operation, n);
    if (this.livelockRetries > 0 && n >= this.livelockRetries && this.livelock === null) {
      const user = task instanceof UserThread;
      this.livelock = {
        atNs: this.nowNs,
        process: user ? task.proc.name : "kernel",
        thread: task.name,
        operation,
        page: -1,
        cgroup: cgroup?.path ?? (user ? (task.proc.cgroup?.path ?? "/") : "/"),
        faultRetries: n,
      };
    }
  }

  checkNow(): void {
    this.invariantChecks++;
    if (this.violations.length >= MAX_VIOLATIONS) return;
    for (const message of checkInvariants(this.sgx)) {
      if (this.violations.length >= MAX_VIOLATIONS) break;
      this.violations.push({ atNs: this.nowNs, message });
    }
  }

  // ---- processes ------------------------------------------------------------------------------------

  private newThread(p: Process, index: number, program: (t: UserThread) => ThreadProgram): UserThread {
    const id = this.actors.length;
    const t = new UserThread(id, this.nextTid++, p, index, this.rng.fork());
    this.addActor({ kind: "thread", thread: t });
    t.program = program(t);
    p.threads.push(t);
    p.liveThreads++;
    return t;
  }

  private startProcess(p: Process): void {
    p.started = true;
    p.startNs = this.nowNs;
    // like ash_cgexec.sh: the process joins its cgroup before it execs the program
    const cg = this.sgx.cgroups.get(p.config.cgroup);
    if (cg === undefined) {
      p.error = { op: "cgroup.procs", errno: "ENOENT" };
      p.exitCode = 1;
      p.exited = true;
      p.endNs = this.nowNs;
      p.cause = { kind: "syscall", atNs: p.endNs, op: "cgroup.procs", errno: "ENOENT" };
      this.emit({ type: "process-exit", atNs: p.endNs, process: p.name, pid: p.pid, exitCode: 1, signal: null, op: "cgroup.procs", errno: "ENOENT", cause: p.cause });
      return;
    }
    this.moveProcess(p, cg);
    this.emit({ type: "process-start", atNs: this.nowNs, process: p.name, pid: p.pid, cgroup: cg.path });
    // the process's own resident memory, charged where it starts (memcg charges stay there when the
    // task moves, as in cgroup v2); a limit it does not fit under OOM-kills at once
    const rss = p.config.memoryBytes ?? 0;
    if (rss > 0) {
      const over = memcgTryCharge(cg, rss);
      if (over === null) p.chargedMemory = { cg, bytes: rss };
      else this.memcgOom(over, `${p.name}: its resident memory at start (${rss} bytes)`);
    }
    const t = this.newThread(p, 0, (th) => this.mainProgram(th));
    this.schedule(t, this.nowNs);
  }

  /** a fatal signal; `cause` is what led to it (the first one is kept) */
  killProcess(p: Process, signal: string, cause: ProcessCause): void {
    if (!p.started || p.exited || p.exiting) return;
    p.cause = cause;
    p.signal = signal;
    p.exitCode = 128 + (SIGNALS[signal] ?? 0);
    p.exiting = true;
    for (const t of p.threads) if (t.blocked) this.wake(t);
  }

  /** the process ends normally (exit) or because a syscall failed */
  private exitWith(p: Process, code: number, cause: ProcessCause | null = null): void {
    if (p.exiting) return;
    p.cause = cause;
    p.exitCode = code;
    p.exiting = true;
    for (const t of p.threads) if (t.blocked) this.wake(t);
  }

  private threadFinished(t: UserThread): void {
    t.done = true;
    this.cpus.release(t, this.nowNs);
    const p = t.proc;
    p.liveThreads--;
    if (p.joinWaiter !== null && p.liveThreads === 1) this.wake(p.joinWaiter);
    if (p.liveThreads === 0) this.processExit(p, t);
  }

  /** do_exit of the last thread: exit_mm (mmu notifier release), unmap, close files */
  private processExit(p: Process, last: UserThread): void {
    this.currentRef = last;
    if (p.exitCode === null) p.exitCode = 0;
    p.mm.exiting = true;
    const file = p.file;
    if (file !== null) {
      // exit_mm: the mmu notifier unlinks this mm's encl_mm; then the VMAs and the fd go
      sgxEnclMmRemove(this.sgx, file.encl, p.mm);
      if (p.vmas.length > 0) fput(this.sgx, file);
      if (p.enclFdOpen) fput(this.sgx, file);
      p.vmas = [];
      p.enclFdOpen = false;
      p.file = null;
    }
    if (p.vepc !== null) sgxVepcRelease(this.sgx, p.vepc);
    p.exited = true;
    p.cgroup?.procs.delete(p.pid);
    if (p.chargedMemory !== null) memcgUncharge(p.chargedMemory.cg, p.chargedMemory.bytes);
    p.endNs = this.nowNs + this.sgx.takeCost();
    this.emit({ type: "process-exit", atNs: p.endNs, process: p.name, pid: p.pid, exitCode: p.exitCode, signal: p.signal, op: p.error?.op ?? null, errno: p.error?.errno ?? null, cause: p.cause });
    if (!p.isGuest && this.processes.every((q) => q.isGuest || q.exited || !this.willStart(q))) {
      for (const h of this.holders.splice(0)) this.wake(h);
    }
  }

  private willStart(p: Process): boolean {
    return p.started || p.config.start <= this.untilNs;
  }

  // ---- enclave entry and exit -----------------------------------------------------------------------

  private enterEnclave(t: UserThread, encl: Encl): number {
    encl.lastActiveNs = this.nowNs;
    const secs = encl.secs;
    t.insideSecs = secs;
    secs.inside.add(t);
    if (t.inEcall) return this.costs.eresume;
    t.inEcall = true;
    return this.costs.eenter;
  }

  /** EEXIT: the ECALL returns */
  private eexit(t: UserThread): number {
    if (!t.inEcall) return 0;
    leaveEnclave(t);
    t.inEcall = false;
    return this.costs.eexit;
  }

  // ---- programs -------------------------------------------------------------------------------------

  /** run a kernel path to completion; its costs become the thread's time */
  private *kernel<T>(t: UserThread, path: Generator<number, T>, name = "syscall"): Generator<number, T, void> {
    const start = this.nowNs;
    t.kernelStartNs = start;
    t.inKernel = true;
    const r = yield* path;
    t.inKernel = false;
    yield this.sgx.takeCost();
    this.obs?.slice(this.trackOf(t), name, start, this.nowNs);
    return r;
  }

  /** a failed syscall: true to continue (the failure was expected), false when the process ends */
  private failed(p: Process, op: string, ret: number, expect: string | undefined): boolean {
    const errno = errnoName(ret);
    const expected = expect === errno;
    p.failures.push({ at: this.nowNs, op, errno, expected });
    this.emit({ type: op.startsWith("SGX_IOC") ? "ioctl-failure" : "syscall-failure", atNs: this.nowNs, process: p.name, op, errno, expected });
    // an ENOMEM is the OOM path's doing (v5: SGX_ENCL_NO_MEMORY) or a refusal of the thread's own
    // allocation, which this failure uses up (expected or not), so that a later one cannot claim it
    const t = this.currentRef;
    const oom = errno === "ENOMEM" && p.encl !== null ? this.oomCauses.get(p.encl) : undefined;
    const refused = errno === "ENOMEM" && t instanceof UserThread ? refusalCause(this.sgx.lastRefusal, t.name, t.kernelStartNs, op) : null;
    if (refused !== null) this.sgx.lastRefusal = null;
    if (p.exiting) return false;
    if (expected) return true;
    p.error = { op, errno };
    this.exitWith(p, 1, oom ?? refused ?? { kind: "syscall", atNs: this.nowNs, op, errno });
    return false;
  }

  /** sleep for `ns` without a CPU; a fatal signal wakes the thread early */
  private *sleep(t: UserThread, ns: number): ThreadProgram {
    // a fatal signal interrupts the sleep; one already pending prevents it
    if (t.proc.exiting) return;
    const token = ++t.sleepToken;
    this.at(this.nowNs + ns, () => {
      if (t.sleepToken === token) this.wake(t);
    });
    yield BLOCK;
  }

  private *mainProgram(t: UserThread): ThreadProgram {
    const p = t.proc;
    for (const step of p.config.steps) {
      if (p.exiting) return;
      const ok = yield* this.runStep(t, step);
      if (!ok || p.exiting) return;
    }
  }

  /** open("/dev/sgx_enclave") on first use (sgx_open()) */
  private openEncl(p: Process): Encl {
    if (p.file === null) {
      const file = sgxOpen(this.sgx, p.name);
      this.enclOwners[file.encl.id] = p;
      p.file = file;
      p.enclFdOpen = true;
    }
    return p.file.encl;
  }

  /** a new record of an ioctl step in the process's summary */
  private ioctlRecord(p: Process, op: string): IoctlRecord {
    // the ioctls whose struct has a result field, which user space zeroes
    const result = op === SGX_IOC_ENCLAVE_MODIFY_TYPES || op === SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS ? 0 : null;
    const rec: IoctlRecord = { atNs: this.nowNs, op, ret: 0, errno: null, count: 0, result, calls: 0 };
    p.ioctls.push(rec);
    return rec;
  }

  /** one call of the step done: its count adds up, its return value is the step's so far */
  private ioctlDone(rec: IoctlRecord, r: IoctlResult): void {
    rec.calls++;
    rec.count += r.count;
    if (r.result !== undefined) rec.result = r.result;
    rec.ret = r.ret < 0 ? -1 : 0;
    rec.errno = r.ret < 0 ? errnoName(r.ret) : null;
  }

  /**
   * an ECALL running ENCLU[EACCEPT] or ENCLU[EMODPE] on each page of the step (through its TCS
   * when given); each page is touched first, as the leaf reaches it through the TLB
   */
  private *enclaveLeafCall(t: UserThread, encl: Encl, step: Extract<Step, { op: "eaccept" | "emodpe" }>): Generator<number, boolean, void> {
    const p = t.proc;
    if (step.tcs !== undefined && !(yield* this.enterTcs(t, encl, step.tcs / PAGE_SIZE, false))) return false;
    const first = step.offset / PAGE_SIZE;
    const count = step.length / PAGE_SIZE;
    if (step.op === "eaccept") {
      const rec = { atNs: this.nowNs, offset: step.offset, length: step.length, ret: 0 };
      p.eaccepts.push(rec);
      const secinfo = step.secinfo === undefined ? undefined : { ...step.secinfo, type: SECINFO_TYPE[step.secinfo.type] };
      const ok = yield* this.eaccept(t, encl, first, count, secinfo, rec);
      if (ok) yield this.eexit(t);
      return ok;
    }
    const sgx = this.sgx;
    yield this.enterEnclave(t, encl);
    for (let i = first; i < first + count; i++) {
      if (!(yield* this.touch(t, encl, i))) return false;
      // a faulting EMODPE (not a REG page, pending or modified) is a #PF the kernel cannot fix: SIGSEGV
      if (sgx.epcm.emodpe(sgx.enclPages.frame[encl.pageArray.get(i)] as number, step.perm) !== 0) return this.userFault(t, "SIGSEGV", i, PF_SGX | 1 | 4, false);
      sgx.addCost(this.costs.eaccept);
      yield sgx.takeCost();
    }
    yield this.eexit(t);
    return true;
  }

  /** runs one step; false when the process must stop */
  private *runStep(t: UserThread, step: Step): Generator<number, boolean, void> {
    const p = t.proc;
    const sgx = this.sgx;
    switch (step.op) {
      case "create": {
        const encl = this.openEncl(p);
        const ret = yield* this.kernel(t, sgxIocEnclaveCreate(sgx, encl, step.size, step.debug, step.provisionKey ?? false), SGX_IOC_ENCLAVE_CREATE);
        if (ret < 0) return this.failed(p, SGX_IOC_ENCLAVE_CREATE, ret, step.expect);
        return true;
      }
      case "provision": {
        const encl = this.openEncl(p);
        const ret = sgxIocEnclaveProvision(sgx, encl, step.validFd);
        yield sgx.takeCost();
        if (ret < 0) return this.failed(p, SGX_IOC_ENCLAVE_PROVISION, ret, step.expect);
        return true;
      }
      case "addPages": {
        const encl = this.openEncl(p);
        const type = step.type === "TCS" ? SGX_PAGE_TYPE_TCS : SGX_PAGE_TYPE_REG;
        const rec = this.ioctlRecord(p, SGX_IOC_ENCLAVE_ADD_PAGES);
        for (let off = 0; off < step.length; off += step.chunk) {
          const len = Math.min(step.chunk, step.length - off);
          const r = yield* this.kernel(t, sgxIocEnclaveAddPages(sgx, encl, step.offset + off, len, type, step.perm, step.measure), SGX_IOC_ENCLAVE_ADD_PAGES);
          this.ioctlDone(rec, r);
          if (r.count > 0) {
            const start = (step.offset + off) / PAGE_SIZE;
            p.addedRegions.push({ start, end: start + r.count / PAGE_SIZE, prot: type === SGX_PAGE_TYPE_TCS ? PROT_R | PROT_W : step.perm });
          }
          if (r.ret < 0) return this.failed(p, SGX_IOC_ENCLAVE_ADD_PAGES, r.ret, step.expect);
        }
        return true;
      }
      case "init": {
        const encl = this.openEncl(p);
        const ret = yield* this.kernel(t, sgxIocEnclaveInit(sgx, encl), SGX_IOC_ENCLAVE_INIT);
        if (ret < 0) return this.failed(p, SGX_IOC_ENCLAVE_INIT, ret, step.expect);
        return true;
      }
      case "mmap":
        return yield* this.mmapEnclave(t, step.expect, step.prot, step.private ?? false);
      case "run":
        return yield* this.runThreads(t, step.threads, step.phases);
      case "ecall": {
        const encl = p.encl;
        if (encl === null) return this.noEnclave(p, "ECALL");
        if (step.touches.length === 0 || step.vdso !== undefined) return yield* this.checkedEcall(t, encl, step);
        yield this.enterEnclave(t, encl);
        for (const off of step.touches) {
          if (!(yield* this.touch(t, encl, Math.floor(off / PAGE_SIZE)))) return false;
        }
        yield this.eexit(t);
        return true;
      }
      case "modifyTypes":
      case "restrictPermissions":
      case "removePages": {
        const encl = p.encl;
        if (encl === null) return this.noEnclave(p, "SGX2 ioctl");
        const d = this.eexit(t);
        if (d > 0) yield d;
        const op =
          step.op === "modifyTypes"
            ? SGX_IOC_ENCLAVE_MODIFY_TYPES
            : step.op === "restrictPermissions"
              ? SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS
              : SGX_IOC_ENCLAVE_REMOVE_PAGES;
        const path = (offset: number, length: number): Generator<number, IoctlResult> =>
          step.op === "modifyTypes"
            ? sgxIocEnclaveModifyTypes(sgx, encl, offset, length, step.pageType === "TCS" ? SGX_PAGE_TYPE_TCS : SGX_PAGE_TYPE_TRIM)
            : step.op === "restrictPermissions"
              ? sgxIocEnclaveRestrictPermissions(sgx, encl, offset, length, step.perm)
              : sgxIocEnclaveRemovePages(sgx, encl, offset, length);
        // like the selftest's loops: while EAGAIN, continue after the `count` bytes done
        const rec = this.ioctlRecord(p, op);
        let r: IoctlResult;
        do {
          r = yield* this.kernel(t, path(step.offset + rec.count, step.length - rec.count), op);
          this.ioctlDone(rec, r);
          if (step.retry === true && r.ret === -EAGAIN) this.ioctlRetried(t, (step.offset + rec.count) / PAGE_SIZE, op, r.count);
          if (this.livelock !== null) return false;
        } while (step.retry === true && r.ret === -EAGAIN && !p.exiting);
        t.faultRetriesInARow = 0;
        if (r.ret < 0) return this.failed(p, op, r.ret, step.expect);
        return true;
      }
      case "eaccept":
      case "emodpe": {
        const encl = p.encl;
        if (encl === null) return this.noEnclave(p, step.op === "eaccept" ? "EACCEPT" : "EMODPE");
        return yield* this.enclaveLeafCall(t, encl, step);
      }
      case "fork":
        this.fork(p, step.holdNs);
        yield this.costs.mmapCall;
        return true;
      case "idle":
        yield this.eexit(t);
        yield* this.sleep(t, step.durationNs);
        return true;
      case "close": {
        const file = p.file;
        if (file !== null && p.enclFdOpen) {
          p.enclFdOpen = false;
          fput(this.sgx, file);
          if (p.vmas.length === 0) p.file = null;
        }
        return true;
      }
      case "vepc":
        return yield* this.runGuest(t, step.bytes, step.touch);
      case "vepcRemoveAll": {
        if (p.vepc === null) return this.noEnclave(p, SGX_IOC_VEPC_REMOVE_ALL);
        const ret = sgxVepcRemoveAll(sgx, p.vepc, step.arg);
        yield sgx.takeCost();
        if (ret < 0) return this.failed(p, SGX_IOC_VEPC_REMOVE_ALL, ret, step.expect);
        return true;
      }
      case "mprotect": {
        const encl = p.encl;
        if (encl === null || p.vmas.length === 0) return this.noEnclave(p, "mprotect");
        yield this.costs.mmapCall;
        const start = (step.offset ?? 0) / PAGE_SIZE;
        const end = step.length === undefined ? Math.floor(encl.size / PAGE_SIZE) : start + step.length / PAGE_SIZE;
        if (!sgxEnclMayMap(this.sgx, encl, step.prot, start, end)) return this.failed(p, "mprotect", -EACCES, step.expect);
        // the VMAs are split at the range's ends, as mprotect_fixup() does
        p.vmas = p.vmas.flatMap((v) =>
          [
            { start: v.start, end: Math.min(v.end, start), prot: v.prot },
            { start: Math.max(v.start, start), end: Math.min(v.end, end), prot: step.prot },
            { start: Math.max(v.start, end), end: v.end, prot: v.prot },
          ].filter((x) => x.start < x.end),
        );
        return true;
      }
      case "hold":
        yield this.eexit(t);
        if (step.durationNs !== null) {
          yield* this.sleep(t, step.durationNs);
          return true;
        }
        if (this.processes.every((q) => q.isGuest || q.exited || !this.willStart(q))) return true;
        if (p.exiting) return false;
        this.holders.push(t);
        yield BLOCK;
        return true;
      case "exit":
        yield this.eexit(t);
        this.exitWith(p, step.code);
        return false;
    }
  }

  private noEnclave(p: Process, what: string): boolean {
    p.error = { op: what, errno: "EBADF" };
    this.exitWith(p, 1, { kind: "syscall", atNs: this.nowNs, op: what, errno: "EBADF" });
    return false;
  }

  /** mmap() of the enclave: one VMA per added region with its protection, RW for the rest of ELRANGE */
  private *mmapEnclave(t: UserThread, expect: string | undefined, prot: number | undefined, isPrivate: boolean): Generator<number, boolean, void> {
    const p = t.proc;
    const encl = this.openEncl(p);
    yield this.costs.mmapCall;
    const ret = sgxMmap(this.sgx, p.file as EnclFile, p.mm, prot, isPrivate, p.vmas.length > 0);
    if (ret < 0) return this.failed(p, "mmap", ret, expect);
    const regions = [...p.addedRegions].sort((a, b) => a.start - b.start);
    const pagesInRange = Math.floor(encl.size / PAGE_SIZE);
    const vmas = [];
    let cursor = 0;
    if (prot !== undefined) {
      vmas.push({ start: 0, end: pagesInRange, prot });
      cursor = pagesInRange;
    } else {
      for (const r of regions) {
        if (r.start > cursor) vmas.push({ start: cursor, end: r.start, prot: PROT_R | PROT_W });
        vmas.push(r);
        cursor = Math.max(cursor, r.end);
      }
      if (cursor < pagesInRange) vmas.push({ start: cursor, end: pagesInRange, prot: PROT_R | PROT_W });
    }
    p.vmas = vmas;
    p.heapTop = regions.reduce((m, r) => Math.max(m, r.end), 0);
    return true;
  }

  /**
   * fork(): the child shares the enclave file (the fd and the VMAs each take a reference) and its
   * new mm joins the enclave's mm list through sgx_vma_open(); it holds for `holdNs`, then exits
   */
  private fork(p: Process, holdNs: number): void {
    const cfg = { name: `${p.name}~fork${++this.forkCount}`, start: this.nowNs, cgroup: p.config.cgroup, steps: [{ op: "hold" as const, durationNs: holdNs }, { op: "exit" as const, code: 0 }] };
    const child = new Process(this.processes.length + this.forks.length + 1, cfg, this.nextMmId++, false);
    this.forks.push(child);
    const file = p.file;
    if (file !== null) {
      child.file = file;
      if (p.enclFdOpen) {
        child.enclFdOpen = true;
        file.refs++;
      }
      if (p.vmas.length > 0) {
        child.vmas = p.vmas.map((v) => ({ ...v }));
        file.refs++;
        // a failed sgx_encl_mm_add() leaves the VMA without vm_private_data: faults there SIGBUS
        sgxEnclMmAdd(file.encl, child.mm);
      }
    }
    this.startProcess(child);
  }

  private vmProt(p: Process, index: number): number {
    for (const v of p.vmas) if (index >= v.start && index < v.end) return v.prot;
    return -1;
  }

  /**
   * one access to enclave page `index` by a thread inside the enclave, faulting as needed; false
   * when the process must stop (SIGBUS, SIGSEGV or a pending fatal signal)
   */
  private *touch(t: UserThread, encl: Encl, index: number, vdso = false, write = false): Generator<number, boolean, void> {
    const sgx = this.sgx;
    const slot = enclMmSlot(encl, t.proc.mm);
    // a fault the kernel does not resolve: #PF error code U, W for a write, P clear (no PTE)
    const notPresent = 4 | (write ? 2 : 0);
    for (;;) {
      if (t.proc.exiting) return false;
      if (t.insideSecs === null) yield this.enterEnclave(t, encl);
      const ep = encl.pageArray.get(index);
      const plane = slot >= 0 ? sgx.enclPages.ptePlane(slot) : null;
      if (plane !== null && ep >= 0 && ((plane[ep] as number) & ptePresentBit(slot)) !== 0) {
        plane[ep] = (plane[ep] as number) | pteAccessedBit(slot);
        t.faultRetriesInARow = 0;
        yield this.costs.memoryAccess;
        return true;
      }
      const prot = this.vmProt(t.proc, index);
      if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0 && prot >= 0) {
        // v5: the OOM path drained the mm list and zapped the mappings; sgx_vma_fault() says SIGBUS
        sgx.counters.faults++;
        sgx.counters.sigbus++;
        sgx.account(PG_FAULTS);
        sgx.account(PG_SIGBUS);
        return this.userFault(t, "SIGBUS", index, notPresent, vdso, this.sigbusCause(t, encl, index, this.nowNs, "page fault"));
      }
      if (prot < 0 || slot < 0) return this.userFault(t, "SIGSEGV", index, notPresent, vdso);
      // the fault exits the enclave (AEX), runs sgx_vma_fault(), and ERESUMEs to retry the access
      leaveEnclave(t);
      const faultStart = this.nowNs;
      sgx.counters.aex++;
      sgx.addCost(this.costs.aex);
      let r: number;
      if (sgx.machine.sgx2 && ep < 0) {
        // sgx_vma_fault() found no entry without taking the lock; the EAUG path runs once the
        // fault entry is done, so a second thread faulting on the same address may get there first
        sgx.counters.faults++;
        sgx.account(PG_FAULTS);
        sgx.addCost(this.costs.faultEntry);
        yield sgx.takeCost();
        r = sgxEnclEaugPage(sgx, encl, slot, index);
      } else {
        r = sgxVmaFault(sgx, encl, slot, index, prot);
      }
      yield sgx.takeCost();
      this.obs?.slice(this.trackOf(t), "page fault", faultStart, this.nowNs, { page: index, result: r === VM_FAULT_SIGBUS ? "VM_FAULT_SIGBUS" : "VM_FAULT_NOPAGE" });
      if (r === VM_FAULT_SIGBUS) return this.userFault(t, "SIGBUS", index, notPresent, vdso, this.sigbusCause(t, encl, index, faultStart, "page fault"));
      // the access retries; a thread that never gets its page is livelocked
      this.faultRetried(t, index);
      if (this.livelock !== null) return false;
    }
  }

  /**
   * why a fault on enclave page `index` that began at `sinceNs` got SIGBUS: the OOM path took the
   * enclave's memory, or the thread's own allocation was refused, or the page cannot be had at all
   */
  private sigbusCause(t: UserThread, encl: Encl, index: number, sinceNs: number, op: string): ProcessCause {
    if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) {
      const oom = this.oomCauses.get(encl);
      if (oom !== undefined) return oom;
    }
    return refusalCause(this.sgx.lastRefusal, t.name, sinceNs, op) ?? { kind: "fault", atNs: this.nowNs, op, signal: "SIGBUS", page: index };
  }

  /**
   * a fault the kernel does not fix: without the vDSO the signal kills the process; through the
   * vDSO, fixup_vdso_exception() (do_sigbus, __bad_area_nosemaphore) reports it to the caller
   * instead and the thread is out of the enclave. False either way: the access did not happen.
   */
  private userFault(t: UserThread, signal: string, index: number, errorCode: number, vdso: boolean, cause?: ProcessCause): boolean {
    if (!vdso) {
      this.killProcess(t.proc, signal, cause ?? { kind: "fault", atNs: this.nowNs, op: "page fault", signal, page: index });
      return false;
    }
    // the AEX left the enclave and the vDSO returned to its caller
    leaveEnclave(t);
    t.inEcall = false;
    const p = t.proc;
    const e: ReportedException = { atNs: this.nowNs, vector: X86_TRAP_PF, errorCode, address: index * PAGE_SIZE, function: t.entering ? "EENTER" : "ERESUME" };
    p.exceptions.push(e);
    this.emit({ type: "enclave-exception", process: p.name, ...e });
    return false;
  }

  /**
   * one checked access from inside the enclave: the VMA (whose protection the PTE carries) must
   * allow it (do_user_addr_fault -> access_error), the fault path maps the page, and then the
   * EPCM must allow it or the CPU raises #PF with the SGX bit, which access_error() always treats
   * as an access error (bad_area); false when the access did not happen
   */
  private *checkedAccess(t: UserThread, encl: Encl, index: number, write: boolean, vdso: boolean): Generator<number, boolean, void> {
    const sgx = this.sgx;
    const slot = enclMmSlot(encl, t.proc.mm);
    const prot = this.vmProt(t.proc, index);
    const ep0 = encl.pageArray.get(index);
    const present = slot >= 0 && ep0 >= 0 && ((sgx.enclPages.pte[ep0] as number) & ptePresentBit(slot)) !== 0 ? 1 : 0;
    const wr = write ? 2 : 0;
    if (prot >= 0 && (prot & (write ? PROT_W : PROT_R)) === 0) return this.userFault(t, "SIGSEGV", index, present | wr | 4, vdso);
    if (!(yield* this.touch(t, encl, index, vdso, write))) return false;
    const frame = sgx.enclPages.frame[encl.pageArray.get(index)] as number;
    if (!sgx.epcm.allowsAccess(frame, encl.secs, write)) return this.userFault(t, "SIGSEGV", index, PF_SGX | 1 | wr | 4, vdso);
    return true;
  }

  /**
   * EENTER through the TCS page `index`: the CPU reads the TCS through its PTE (a fault maps it)
   * and requires a valid, accepted TCS of this enclave (else #PF with the SGX bit, run.function EENTER)
   */
  private *enterTcs(t: UserThread, encl: Encl, index: number, vdso: boolean): Generator<number, boolean, void> {
    t.entering = true;
    let ok = yield* this.touch(t, encl, index, vdso);
    if (ok && !this.sgx.epcm.isEnterableTcs(this.sgx.enclPages.frame[encl.pageArray.get(index)] as number, encl.secs))
      ok = this.userFault(t, "SIGSEGV", index, PF_SGX | 1 | 4, vdso);
    t.entering = false;
    return ok;
  }

  /** an ECALL with checked accesses (ecall steps with read, write, tcs, resume or vdso) */
  private *checkedEcall(t: UserThread, encl: Encl, step: EcallStep): Generator<number, boolean, void> {
    const p = t.proc;
    const vdso = step.vdso ?? false;
    const before = p.exceptions.length;
    const accesses: { index: number; write: boolean }[] = [];
    if (step.resume) {
      if (p.aexAccess !== null) accesses.push(p.aexAccess);
      p.aexAccess = null;
    }
    for (const off of step.reads ?? []) accesses.push({ index: Math.floor(off / PAGE_SIZE), write: false });
    for (const off of step.writes ?? []) accesses.push({ index: Math.floor(off / PAGE_SIZE), write: true });
    let ok = step.tcs === undefined || (yield* this.enterTcs(t, encl, step.tcs / PAGE_SIZE, vdso));
    if (ok) {
      yield this.enterEnclave(t, encl);
      for (const a of accesses) {
        if (!(yield* this.checkedAccess(t, encl, a.index, a.write, vdso))) {
          if (!p.exiting) p.aexAccess = a;
          ok = false;
          break;
        }
      }
    }
    if (p.exiting) return false;
    yield this.eexit(t);
    return this.ecallOutcome(p, p.exceptions.length > before ? (p.exceptions.at(-1) ?? null) : null, step.exception);
  }

  /** compares what the vDSO reported with the step's expectation; a mismatch fails the process */
  private ecallOutcome(p: Process, got: ReportedException | null, want: EnclaveException | undefined): boolean {
    const same = got !== null && want !== undefined && got.vector === want.vector && got.errorCode === want.errorCode && got.address === want.address;
    if ((got === null && want === undefined) || same) return true;
    const hex = (e: { vector: number; errorCode: number; address: number } | null | undefined): string =>
      e === null || e === undefined ? "none" : `vector ${e.vector} error code 0x${e.errorCode.toString(16)} address 0x${e.address.toString(16)}`;
    p.error = { op: "ECALL", errno: `exception ${hex(got)}, expected ${hex(want)}` };
    this.exitWith(p, 1, { kind: "syscall", atNs: this.nowNs, op: "ECALL", errno: p.error.errno });
    return false;
  }

  private *runThreads(t: UserThread, threads: number, phases: Phase[]): Generator<number, boolean, void> {
    const p = t.proc;
    const barrier = new Barrier(threads);
    for (let i = 1; i < threads; i++) {
      const helper = this.newThread(p, i, (th) => this.phaseProgram(th, phases, barrier));
      this.schedule(helper, this.nowNs);
    }
    yield* this.phaseProgram(t, phases, barrier);
    if (p.liveThreads > 1) {
      p.joinWaiter = t;
      // threadFinished() wakes the waiter when the last other thread ends
      while (p.liveThreads > 1) yield BLOCK;
      p.joinWaiter = null;
    }
    return !p.exiting;
  }

  private *phaseProgram(t: UserThread, phases: Phase[], barrier: Barrier): ThreadProgram {
    const p = t.proc;
    const encl = p.encl;
    for (const phase of phases) {
      if (p.exiting) return;
      if (encl === null) {
        this.noEnclave(p, "access");
        return;
      }
      if (phase.type === "access") {
        if (!(yield* this.accessPhase(t, encl, phase))) return;
      } else if (phase.type === "idle") {
        yield this.eexit(t);
        yield* this.sleep(t, phase.durationNs);
      } else if (t.index === 0) {
        const ok = phase.type === "grow" ? yield* this.grow(t, encl, phase.bytes) : yield* this.shrink(t, encl, phase.bytes);
        if (!ok) return;
      }
      // barrier between phases
      barrier.arrived++;
      if (barrier.arrived === barrier.parties) {
        barrier.arrived = 0;
        for (const w of barrier.waiting.splice(0)) this.wake(w);
      } else {
        // the kill that makes a thread skip the barrier wakes every waiter
        if (p.exiting) return;
        barrier.waiting.push(t);
        yield BLOCK;
      }
    }
  }

  /** the hot loop: accesses that hit a present PTE run inline until another event is due */
  private *accessPhase(t: UserThread, encl: Encl, phase: AccessPhase): Generator<number, boolean, void> {
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
        this.sgx.counters.faults++;
        this.sgx.counters.sigbus++;
        this.sgx.account(PG_FAULTS);
        this.sgx.account(PG_SIGBUS);
        this.killProcess(p, "SIGBUS", this.sigbusCause(t, encl, index, this.nowNs, "page fault"));
      } else this.killProcess(p, "SIGSEGV", { kind: "fault", atNs: this.nowNs, op: "page fault", signal: "SIGSEGV", page: index });
      return false;
    }
    const burst: AccessBurst = {
      t,
      sampler,
      rng,
      first,
      slot,
      present: ptePresentBit(slot),
      accessed: pteAccessedBit(slot),
      step: this.costs.memoryAccess + phase.thinkNs,
      pageArray: encl.pageArray,
      count: phase.count,
      i: 0,
      index: 0,
      limit: 0,
    };
    yield this.enterEnclave(t, encl);
    burst.limit = this.inlineLimit(t);
    for (;;) {
      const r = this.accessBurst(burst);
      if (r === BURST_DONE) break;
      if (r === BURST_EXITING) return false;
      if (r === BURST_YIELD) {
        yield burst.step;
      } else {
        // the access needs the fault path
        if (!(yield* this.touch(t, encl, burst.index))) return false;
        burst.i++;
        if (phase.thinkNs > 0) yield phase.thinkNs;
      }
      burst.limit = this.inlineLimit(t);
    }
    yield this.eexit(t);
    return true;
  }

  /**
   * the hot loop, outside the generator so it compiles tight: accesses that hit a present PTE run
   * inline until one needs the fault path or another event is due
   */
  private accessBurst(b: AccessBurst): number {
    const proc = b.t.proc;
    const { sampler, rng, first, present, accessed, step, pageArray, count } = b;
    const limit = b.limit;
    let now = this.nowNs;
    let i = b.i;
    let r = BURST_DONE;
    while (i < count) {
      if (proc.exiting) {
        r = BURST_EXITING;
        break;
      }
      const index = first + sampler.next(rng);
      const ep = pageArray.get(index);
      const pte = this.sgx.enclPages.ptePlane(b.slot);
      if (b.t.insideSecs === null || ep < 0 || ((pte[ep] as number) & present) === 0) {
        b.index = index;
        r = BURST_FAULT;
        break;
      }
      pte[ep] = (pte[ep] as number) | accessed;
      i++;
      const next = now + step;
      if (next >= limit) {
        r = BURST_YIELD;
        break;
      }
      now = next;
    }
    this.nowNs = now;
    b.i = i;
    return r;
  }

  /** EACCEPT pages [first, first+count) from inside the enclave; marks accepted trims */
  private *eaccept(t: UserThread, encl: Encl, first: number, count: number, secinfo?: AcceptSecinfo, rec?: EacceptRecord): Generator<number, boolean, void> {
    const sgx = this.sgx;
    for (let i = first; i < first + count; i++) {
      if (!(yield* this.touch(t, encl, i))) return false;
      const ep = encl.pageArray.get(i);
      const frame = ep >= 0 ? (sgx.enclPages.frame[ep] as number) : -1;
      if (frame < 0) continue;
      const ret = sgx.epcm.eaccept(frame, secinfo);
      sgx.counters.eaccept++;
      if (ret !== 0) {
        // EACCEPT returns the error in RAX; the enclave reports it and goes on
        if (rec !== undefined && rec.ret === 0) rec.ret = ret;
        yield sgx.takeCost();
        continue;
      }
      if (sgx.enclPages.type[ep] === SGX_PAGE_TYPE_TRIM)
        sgx.enclPages.flags[ep] = (sgx.enclPages.flags[ep] as number) | EP_TRIM_ACCEPTED;
      yield sgx.takeCost();
    }
    return true;
  }

  /** SGX2 growth: touch new pages above the heap top (EAUG on fault), then EACCEPT them */
  private *grow(t: UserThread, encl: Encl, bytes: number): Generator<number, boolean, void> {
    const p = t.proc;
    const first = p.heapTop;
    const count = Math.floor(bytes / PAGE_SIZE);
    if (!(yield* this.eaccept(t, encl, first, count))) return false;
    p.heapTop = first + count;
    yield this.eexit(t);
    return true;
  }

  /** an ioctl returned EAGAIN: a retry without progress when it did nothing, else the count starts over */
  private ioctlRetried(t: UserThread, page: number, op: string, count: number): void {
    if (count > 0) t.faultRetriesInARow = 0;
    else this.faultRetried(t, page, `${op} (EAGAIN)`);
  }

  /** SGX2 shrink: MODIFY_TYPES(TRIM), EACCEPT, REMOVE_PAGES of the top `bytes`, retrying on EAGAIN */
  private *shrink(t: UserThread, encl: Encl, bytes: number): Generator<number, boolean, void> {
    const p = t.proc;
    const count = Math.min(Math.floor(bytes / PAGE_SIZE), p.heapTop);
    if (count === 0) return true;
    const first = p.heapTop - count;
    yield this.eexit(t);
    for (const kind of ["modify", "accept", "remove"] as const) {
      if (kind === "accept") {
        if (!(yield* this.eaccept(t, encl, first, count))) return false;
        yield this.eexit(t);
        continue;
      }
      let done = 0;
      while (done < count) {
        const off = (first + done) * PAGE_SIZE;
        const len = (count - done) * PAGE_SIZE;
        const path =
          kind === "modify"
            ? sgxIocEnclaveModifyTypes(this.sgx, encl, off, len, SGX_PAGE_TYPE_TRIM)
            : sgxIocEnclaveRemovePages(this.sgx, encl, off, len);
        const r = yield* this.kernel(t, path, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES);
        done += r.count / PAGE_SIZE;
        if (r.ret === -EAGAIN) {
          this.ioctlRetried(t, first + done, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES, r.count);
          if (this.livelock !== null) return false;
          continue;
        }
        t.faultRetriesInARow = 0;
        if (r.ret < 0) return this.failed(p, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES, r.ret, undefined);
      }
    }
    p.heapTop = first;
    return true;
  }

  /** a KVM guest: open /dev/sgx_vepc, map `bytes`, fault in `touch` bytes of it */
  private *runGuest(t: UserThread, bytes: number, touch: number): Generator<number, boolean, void> {
    const p = t.proc;
    const vepc = new Vepc(this.sgx.vepcs.length, p.name, Math.floor(bytes / PAGE_SIZE));
    this.sgx.vepcs.push(vepc);
    p.vepc = vepc;
    yield this.costs.mmapCall;
    const pages = Math.min(Math.floor(touch / PAGE_SIZE), vepc.pageArray.length);
    for (let i = 0; i < pages; i++) {
      for (;;) {
        if (p.exiting) return false;
        const faultStart = this.nowNs;
        const r = sgxVepcFault(this.sgx, vepc, i);
        yield this.sgx.takeCost();
        if (r === VEPC_SIGBUS) {
          this.killProcess(p, "SIGBUS", refusalCause(this.sgx.lastRefusal, t.name, faultStart, "vEPC fault") ?? { kind: "fault", atNs: this.nowNs, op: "vEPC fault", signal: "SIGBUS", page: i });
          return false;
        }
        if (r !== VEPC_RETRY) break;
        this.faultRetried(t, i, "vEPC fault");
        if (this.livelock !== null) return false;
      }
      t.faultRetriesInARow = 0;
    }
    return true;
  }
}

export function simulate(scenario: Scenario, options: SimOptions = {}): SimSummary {
  return new Simulator(scenario, options).run();
}

