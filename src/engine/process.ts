// Simulated user processes: each has an address space, an open enclave and/or vEPC file, and
// threads that run the scenario program. A thread's program is a generator that yields the
// nanoseconds it spends (or BLOCK to sleep until woken); memory accesses that hit a present PTE
// run inline without yielding while no other event is due.
import type { Encl } from "../kernel/encl.js";
import { Mm, type Task } from "../kernel/state.js";
import type { EnclFile, Vma } from "../kernel/driver.js";
import type { SecsState } from "../hw/epcm.js";
import type { Vepc } from "../kernel/virt.js";
import type { TaskConfig } from "./world.js";
import type { Rng } from "../lib/random.js";
import type { ProcessCause } from "./cause.js";
import type { Cgroup } from "../cgroup/misc.js";

/** yielded by a thread program to sleep until something wakes it */
export const BLOCK = -1;

export type ThreadProgram = Generator<number, void, void>;

/**
 * yielded by a thread program: run the thread's `plain` program until it is done, then resume the
 * generator, in the same instant. A hot loop (an access phase) runs this way without resuming
 * every generator above it at each of its yields.
 */
export const HANDOFF = -10;
/** returned by PlainProgram.step(): that part of the program is over */
export const PLAIN_DONE = -11;

/** a part of a thread's program as plain code: step() runs it to its next yield (ns or BLOCK) or PLAIN_DONE */
export interface PlainProgram {
  step(): number;
}

export interface SyscallError {
  op: string;
  errno: string;
}

export interface ProcessFailure {
  at: number;
  op: string;
  errno: string;
  expected: boolean;
}

/** an exception the vDSO reported to the caller of an ECALL (struct sgx_enclave_run) */
export interface ReportedException {
  atNs: number;
  vector: number;
  errorCode: number;
  /** offset in ELRANGE */
  address: number;
  /** run.function: the ENCLU leaf to continue with (ERESUME after an AEX, EENTER when the entry faulted) */
  function: "ERESUME" | "EENTER";
}

/** a process's replayed trace requests; a miss is a request that needed ELDU or EAUG */
export interface TracedRequests {
  tenant: string;
  source: string;
  requests: number;
  misses: number;
}

/** one ioctl step's outcome as user space sees it: ret -1 with errno, and the struct's count */
export interface IoctlRecord {
  atNs: number;
  op: string;
  ret: number;
  errno: string | null;
  /** bytes processed (the ioctl struct's count, summed over the calls) */
  count: number;
  /** the struct's result (MODIFY_TYPES, RESTRICT_PERMISSIONS: an SGX error code, else 0); null for ioctls without one */
  result: number | null;
  /** ioctl calls made (more than 1 when the step retried on EAGAIN or split into chunks) */
  calls: number;
}

/** one eaccept step: the first non-zero EACCEPT return (an SGX error code), or 0 */
export interface EacceptRecord {
  atNs: number;
  offset: number;
  length: number;
  ret: number;
}

export class Process {
  readonly mm: Mm;
  readonly threads: UserThread[] = [];
  file: EnclFile | null = null;
  /** the enclave fd is open (holds a file reference) */
  enclFdOpen = false;
  /** enclave VMAs; while any exist they hold one file reference */
  vmas: Vma[] = [];
  /** regions added with ADD_PAGES, for mmap's per-region protections */
  readonly addedRegions: Vma[] = [];
  /** first page above the enclave's heap, for SGX2 grow/shrink */
  heapTop = 0;
  vepc: Vepc | null = null;
  started = false;
  /** a fatal signal is pending or the process is exiting: threads stop at their next user boundary */
  exiting = false;
  exited = false;
  exitCode: number | null = null;
  signal: string | null = null;
  error: SyscallError | null = null;
  readonly failures: ProcessFailure[] = [];
  startNs = 0;
  endNs: number | null = null;
  liveThreads = 0;
  /** the main thread waiting for the other threads of a `run` step */
  joinWaiter: UserThread | null = null;
  /** the cgroup the process is in (set when it starts; `move` events change it) */
  cgroup: Cgroup | null = null;
  /** its resident memory charged to a memcg */
  chargedMemory: { cg: Cgroup; bytes: number } | null = null;
  /** the memcg OOM killer chose it */
  oomVictim = false;
  /** what ended it, at its cause (null while it runs and for a normal exit) */
  cause: ProcessCause | null = null;
  /** exceptions the vDSO reported (ecall steps with vdso) */
  readonly exceptions: ReportedException[] = [];
  /** the trace it replayed (access phases with a trace pattern): requests done and misses */
  traced: TracedRequests | null = null;
  /** the access that took the last reported exception, retried by an ERESUME */
  aexAccess: { index: number; write: boolean } | null = null;
  /** ioctl steps (ADD_PAGES and the SGX2 ioctls) with their ret, errno and count */
  readonly ioctls: IoctlRecord[] = [];
  readonly eaccepts: EacceptRecord[] = [];

  constructor(
    readonly pid: number,
    readonly config: TaskConfig,
    mmId: number,
    readonly isGuest: boolean,
  ) {
    this.mm = new Mm(mmId);
  }

  get name(): string {
    return this.config.name;
  }

  get encl(): Encl | null {
    return this.file === null ? null : this.file.encl;
  }
}

export class UserThread implements Task {
  cpu = -1;
  insideSecs: SecsState | null = null;
  /** an ECALL is in progress (the thread re-enters with ERESUME after an AEX) */
  inEcall = false;
  /** ns of interrupt handling (IPI-forced AEX) to add before the thread next runs */
  penaltyNs = 0;
  /** delay still to run once the thread gets a CPU back */
  pendingDelay = 0;
  /** when the thread last got its CPU */
  sliceStart = 0;
  scheduled = false;
  blocked = false;
  /** invalidates the wake-up timer of an earlier sleep */
  sleepToken = 0;
  done = false;
  /** the thread is inside a kernel path that must complete before it can die */
  inKernel = false;
  /** an EENTER is reading its TCS: a fault now is reported with run.function EENTER */
  entering = false;
  /** when the thread's current (or last) kernel path began: refusals from then on are its own */
  kernelStartNs = 0;
  /** faults of the current access that returned without the page becoming present */
  faultRetriesInARow = 0;
  program: ThreadProgram | null = null;
  /** the plain part of the program that runs now, handed off to with HANDOFF */
  plain: PlainProgram | null = null;

  constructor(
    readonly actorId: number,
    readonly tid: number,
    readonly proc: Process,
    readonly index: number,
    readonly rng: Rng,
  ) {}

  get name(): string {
    return `${this.proc.name}/${this.index}`;
  }

  get mm(): Mm {
    return this.proc.mm;
  }

  get pid(): number {
    return this.proc.pid;
  }

  signalPending(): boolean {
    return this.proc.exiting;
  }

  get cgroup(): Cgroup | null {
    return this.proc.cgroup;
  }

  readonly reclaimer = "direct" as const;
}

/** A barrier the threads of a `run` step meet at between phases. */
export class Barrier {
  arrived = 0;
  readonly waiting: UserThread[] = [];
  constructor(public parties: number) {}
}

/** the thread stops executing inside its enclave (an AEX or EEXIT) */
export function leaveEnclave(t: UserThread): void {
  const secs = t.insideSecs;
  if (secs === null) return;
  secs.leave(t);
  t.insideSecs = null;
}
