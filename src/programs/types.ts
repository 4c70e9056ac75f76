// What simulated processes run and the scenario around them, as the engine takes it: sizes in
// bytes, times in integer nanoseconds, replicas expanded, presets lowered to steps (scenario/
// parses and lowers the YAML/JSON surface into these types).
import type { SimScenario, TaskConfig } from "../engine/world.js";

export type { CgroupConfig, ScheduledAction, ScheduledEvent, SimScenario, TaskConfig } from "../engine/world.js";

export type Perm = number; // bit0 R, bit1 W, bit2 X (SECINFO permission bits)
export type PageTypeName = "REG" | "TCS";

export type AccessPattern =
  | { kind: "sequential" }
  | { kind: "uniform" }
  | { kind: "zipf"; skew: number }
  | { kind: "hotcold"; hotFraction: number; hotProbability: number }
  /**
   * a trace's requests in order, one access each: `pages[i]` is the page of request i within the
   * working set; `thinkNs[i]`, when given, the time before it (--timing trace)
   */
  | { kind: "trace"; pages: Uint32Array; thinkNs: Float64Array | null; tenant: string; source: string };

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

/** a process of the scenario: the engine's task config with the steps its main thread runs */
export interface ProcessConfig extends TaskConfig {
  steps: Step[];
}

/** the scenario, with the programs its processes run */
export interface Scenario extends SimScenario {
  processes: ProcessConfig[];
}
