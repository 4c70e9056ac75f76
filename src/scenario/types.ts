// The normalized scenario the engine runs. The YAML/JSON surface (schema.ts) is parsed and
// lowered into these plain types: sizes are bytes, times are integer nanoseconds, replicas are
// expanded, presets and the compact `enclave:`/`access:` form are lowered to steps.

export type KernelGeneration = "mainline" | "v17" | "v5";

export interface EpcSectionConfig {
  /** bytes, a multiple of 4096 */
  size: number;
  /** NUMA node the section belongs to */
  node: number;
}

export interface MachineConfig {
  /** EPC sections in CPUID order; their frames are numbered consecutively from 0 */
  sections: EpcSectionConfig[];
  numaNodes: number;
  cpus: number;
  sgx2: boolean;
  /** cost profile name, see src/hw/costs.ts */
  profile: string;
  /** per-parameter overrides of the profile, in the parameter's own unit */
  costs: Record<string, number>;
}

/** Named kernel options; each default is the mainline behaviour, a `true` is a documented deviation or proposed fix. */
export interface KernelOptions {
  /** Q11: the proposed "Resolve EAUG race where losing thread returns SIGBUS" fix (NOPAGE instead of SIGBUS) */
  eaugRaceFix: boolean;
  /** run ksgxd's two sanitization passes at boot as timed EREMOVE work instead of instantly before t=0 */
  timedSanitize: boolean;
  /** scheduler quantum for threads sharing a CPU */
  schedQuantumNs: number;
  /** kernel threads need a CPU ("scheduled", default) or run without one ("free") */
  kthreads?: "scheduled" | "free";
  /** encl->lock serializes one enclave's kernel sections (default true) */
  enclLock?: boolean;
  /** v17: queue the async reclaim after a successful charge too, as the unreachable v11+ code intended (spec 5.16) */
  cgroupQueueAfterCharge?: boolean;
  /** v5: which pages go on the unreclaimable lists: SECS and VA (the series) or SECS only (the reviewers' proposal) */
  unreclaimableTracking?: "secs+va" | "secs-only";
  /** v5: how the EPC OOM path picks its victim (see src/kernel/oom-policy.ts) */
  oomVictim?: "list-order" | "most-epc" | "least-recently-active";
  /** misc controller event counting: 6.11+ (default for v17) or the older rules (default for v5) */
  miscEvents?: "6.11" | "pre-6.11";
  /**
   * a guard of the simulation, not kernel behaviour: stop the run when one thread's fault has
   * returned NOPAGE this many times in a row without the page ever becoming present (a livelock the
   * kernel would spin in forever); 0 never stops. Default 100000.
   */
  livelockRetries?: number;
}

export type Perm = number; // bit0 R, bit1 W, bit2 X (SECINFO permission bits)
export type PageTypeName = "REG" | "TCS";

export type AccessPattern =
  | { kind: "sequential" }
  | { kind: "uniform" }
  | { kind: "zipf"; skew: number }
  | { kind: "hotcold"; hotFraction: number; hotProbability: number };

/** One access phase run by every thread of the process. */
export interface AccessPhase {
  type: "access";
  pattern: AccessPattern;
  /** first enclave byte offset of the working set, page aligned */
  offset: number;
  /** working-set size in pages */
  pages: number;
  /** accesses per thread */
  count: number;
  writeRatio: number;
  /** compute time between two accesses, ns */
  thinkNs: number;
}

export type Phase =
  | AccessPhase
  | { type: "idle"; durationNs: number }
  /** SGX2: touch `bytes` of new pages above the current top of the enclave (EAUG on fault) */
  | { type: "grow"; bytes: number }
  /** SGX2: trim `bytes` from the top: MODIFY_TYPES(TRIM), EACCEPT, REMOVE_PAGES */
  | { type: "shrink"; bytes: number };

/** what the vDSO's exception fixup writes into struct sgx_enclave_run */
export interface EnclaveException {
  /** 14 (#PF) for every exception the model raises */
  vector: number;
  /** the #PF error code: P 0x1, W 0x2, U 0x4, SGX 0x8000 */
  errorCode: number;
  /** the faulting address as an offset in ELRANGE */
  address: number;
}

/** the SECINFO an EACCEPT passes: page type, permissions and the state being accepted */
export interface EacceptSecinfo {
  type: "REG" | "TCS" | "TRIM";
  perm: Perm;
  pending: boolean;
  modified: boolean;
  pr: boolean;
}

/**
 * One ECALL on thread 0. `touches` fault pages in without the hardware's access checks (the
 * legacy form). `reads`/`writes` are checked accesses: the VMA/PTE must allow them and the EPCM
 * must hold a valid, accepted REG page with the permission, or the access takes a #PF. `tcs`
 * enters through that TCS page (which must be a valid, accepted TCS). With `vdso` (implied by
 * `exception`) the call goes through __vdso_sgx_enter_enclave, whose fixup reports an exception
 * the kernel does not resolve instead of a signal; `exception` is the one the call must report.
 * `resume` is ERESUME: the access that took the last reported exception is retried first.
 */
export interface EcallStep {
  op: "ecall";
  touches: number[];
  reads?: number[];
  writes?: number[];
  tcs?: number;
  resume?: boolean;
  vdso?: boolean;
  exception?: EnclaveException;
}

/**
 * A program step. `expect` names an errno the step is expected to fail with: that failure is
 * recorded and the program continues; any other failure ends the process with exit code 1.
 */
export type Step =
  | { op: "create"; size: number; debug: boolean; provisionKey?: boolean; expect?: string }
  /** SGX_IOC_ENCLAVE_PROVISION with an fd of /dev/sgx_provision (or, with validFd false, of another file) */
  | { op: "provision"; validFd: boolean; expect?: string }
  | {
      op: "addPages";
      offset: number;
      length: number;
      type: PageTypeName;
      perm: Perm;
      measure: boolean;
      /** bytes per ADD_PAGES ioctl call (user space splits large regions) */
      chunk: number;
      expect?: string;
    }
  | { op: "init"; expect?: string }
  /**
   * mmap() of the enclave. Without `prot`: one VMA per added region with its protection and RW for
   * the rest of ELRANGE (what a loader does). With `prot`: one shared VMA over the whole ELRANGE,
   * checked by sgx_encl_may_map(); `private` asks for MAP_PRIVATE, which the driver refuses.
   */
  | { op: "mmap"; prot?: Perm; private?: boolean; expect?: string }
  /** run phases on `threads` threads (phases are separated by barriers) */
  | { op: "run"; threads: number; phases: Phase[] }
  | EcallStep
  /** `retry`: user space reissues the ioctl for the rest of the range while it fails with EAGAIN */
  | { op: "modifyTypes"; offset: number; length: number; pageType: "TCS" | "TRIM"; retry?: boolean; expect?: string }
  | { op: "restrictPermissions"; offset: number; length: number; perm: Perm; retry?: boolean; expect?: string }
  /** ENCLU[EACCEPT] of each page, in one ECALL (through the TCS at `tcs` when given), with an optional SECINFO */
  | { op: "eaccept"; offset: number; length: number; tcs?: number; secinfo?: EacceptSecinfo }
  /** ENCLU[EMODPE] of each page from inside the enclave: extend the EPCM permissions by `perm` */
  | { op: "emodpe"; offset: number; length: number; perm: Perm; tcs?: number }
  | { op: "removePages"; offset: number; length: number; retry?: boolean; expect?: string }
  | { op: "fork"; holdNs: number }
  | { op: "idle"; durationNs: number }
  | { op: "close" }
  /** virtual EPC guest: open /dev/sgx_vepc, mmap `bytes`, fault `touch` bytes of it */
  | { op: "vepc"; bytes: number; touch: number }
  /** SGX_IOC_VEPC_REMOVE_ALL on the guest's /dev/sgx_vepc (the argument must be 0) */
  | { op: "vepcRemoveAll"; arg: number; expect?: string }
  /** mprotect() of the enclave mapping (or of [offset, offset+length)), checked by sgx_vma_mprotect() -> sgx_encl_may_map() */
  | { op: "mprotect"; prot: Perm; offset?: number; length?: number; expect?: string }
  /** hold until every non-guest process has exited, or for `durationNs` when given */
  | { op: "hold"; durationNs: number | null }
  | { op: "exit"; code: number };

export interface ProcessConfig {
  /** instance name, e.g. "build-and-scan[1]" (no suffix when replicas is 1) */
  name: string;
  /** ns */
  start: number;
  cgroup: string;
  steps: Step[];
  /** resident memory outside the enclave, charged to the process's memcg while it lives (bytes) */
  memoryBytes?: number;
}

export type ScheduledAction =
  | { type: "kill"; target: string; signal: string }
  | { type: "memoryFailure"; frame: number; actionRequired: boolean; process: string | null }
  /** fault injection: the next `count` executions of `leaf` fail (quirks Q2, Q3, Q4) */
  | { type: "injectFailure"; leaf: "EEXTEND" | "EWB" | "ELDU"; count: number }
  /** write `value` to a cgroup interface file such as /a/misc.max */
  | { type: "write"; path: string; value: string }
  /** read a cgroup interface file; the text goes to the result's fileOps */
  | { type: "read"; path: string }
  | { type: "mkdir"; path: string }
  | { type: "rmdir"; path: string }
  /** move a process (every replica for a base name) to another cgroup; its charges stay where they were made */
  | { type: "move"; process: string; cgroup: string };

/** a cgroup created at time zero, with interface-file writes applied in order */
export interface CgroupConfig {
  path: string;
  writes: { file: string; value: string }[];
  /** the errno one of the writes is expected to fail with (then the failure is not bad input) */
  expect?: string;
}

export interface ScheduledEvent {
  at: number;
  action: ScheduledAction;
}

export interface Scenario {
  /** file the scenario came from, for messages */
  source: string;
  kernel: KernelGeneration;
  seed: number;
  /** stop the simulation at this simulated time (ns), null = run until every process has ended */
  untilNs: number | null;
  machine: MachineConfig;
  options: KernelOptions;
  processes: ProcessConfig[];
  events: ScheduledEvent[];
  /** cgroups created at time zero, parents before children */
  cgroups: CgroupConfig[];
}
