// The #PF path as a user thread takes it: an access from inside the enclave that finds no present
// PTE exits the enclave (AEX), runs sgx_vma_fault() (or the EAUG path) and ERESUMEs; a fault the
// kernel does not fix is a signal, or with the vDSO an exception reported to the caller.
import { pteIndex } from "../kernel/encl-page.js";
import { Encl, enclMmSlot, sgxEnclEaugPage, sgxVmaFault, ptePresentBit, pteAccessedBit, VM_FAULT_SIGBUS } from "../kernel/encl.js";
import { PAGE_SIZE, SGX_ENCL_NO_MEMORY, X86_TRAP_PF } from "../kernel/sgx.js";
import { leaveEnclave, Process, UserThread, type ReportedException } from "./process.js";
import { refusalCause, type ProcessCause } from "./cause.js";
import { PG_FAULTS, PG_SIGBUS } from "../kernel/paging-accounts.js";
import { killProcess } from "./tasks.js";
import { enterEnclave } from "./syscall.js";
import { faultRetried } from "./livelock.js";
import type { Simulator } from "./sim.js";

/** touchStep() is done: the access happened */
export const TOUCH_OK = -2;
/** touchStep() is done: the process must stop (SIGBUS, SIGSEGV or a pending fatal signal) */
export const TOUCH_STOP = -3;

const AT_TOP = 0;
const AT_CHECK = 1;
const AT_HIT = 2;
const AT_EAUG = 3;
const AT_FAULTED = 4;

/**
 * one access in progress, as a resumable state: touchStep() runs it to its next yield. Plain code,
 * so that an access phase can run a fault inline between two hits when nothing else is due.
 */
export class TouchState {
  encl!: Encl;
  index = 0;
  vdso = false;
  write = false;
  slot = -1;
  /** #PF error code of a fault the kernel does not resolve: U, W for a write, P clear (no PTE) */
  notPresent = 4;
  at = AT_TOP;
  faultStart = 0;
  result = 0;

  begin(encl: Encl, slot: number, index: number, vdso: boolean, write: boolean): this {
    this.encl = encl;
    this.slot = slot;
    this.index = index;
    this.vdso = vdso;
    this.write = write;
    this.notPresent = 4 | (write ? 2 : 0);
    this.at = AT_TOP;
    return this;
  }
}

/**
 * Runs access `s` by thread `t` to its next yield: returns the ns to yield (as a generator would),
 * or TOUCH_OK / TOUCH_STOP when the access is over. An access from inside the enclave that finds no
 * present PTE exits the enclave (AEX), runs sgx_vma_fault() and ERESUMEs to retry.
 */
export function touchStep(sim: Simulator, t: UserThread, s: TouchState): number {
  const sgx = sim.sgx;
  const encl = s.encl;
  const index = s.index;
  const slot = s.slot;
  for (;;) {
    const at = s.at;
    if (at === AT_TOP) {
      if (t.proc.exiting) return TOUCH_STOP;
      s.at = AT_CHECK;
      if (t.insideSecs === null) return enterEnclave(sim, t, encl);
    } else if (at === AT_CHECK) {
      const ep = encl.pageArray.get(index);
      const plane = slot >= 0 ? sgx.enclPages.ptePlane(slot) : null;
      const pi = pteIndex(ep);
      if (plane !== null && ep >= 0 && ((plane[pi] as number) & ptePresentBit(slot)) !== 0) {
        plane[pi] = (plane[pi] as number) | pteAccessedBit(slot);
        t.faultRetriesInARow = 0;
        s.at = AT_HIT;
        return sim.costs.memoryAccess;
      }
      const prot = vmProt(t.proc, index);
      if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0 && prot >= 0) {
        // v5: the OOM path drained the mm list and zapped the mappings; sgx_vma_fault() says SIGBUS
        sgx.counters.faults++;
        sgx.counters.sigbus++;
        sgx.account(PG_FAULTS);
        sgx.account(PG_SIGBUS);
        userFault(sim, t, "SIGBUS", index, s.notPresent, s.vdso, sigbusCause(sim, t, encl, index, sim.nowNs, "page fault"));
        return TOUCH_STOP;
      }
      if (prot < 0 || slot < 0) {
        userFault(sim, t, "SIGSEGV", index, s.notPresent, s.vdso);
        return TOUCH_STOP;
      }
      // the fault exits the enclave (AEX), runs sgx_vma_fault(), and ERESUMEs to retry the access
      leaveEnclave(t);
      s.faultStart = sim.nowNs;
      sgx.counters.aex++;
      sgx.addCost(sim.costs.aex);
      if (sgx.machine.sgx2 && ep < 0) {
        // sgx_vma_fault() found no entry without taking the lock; the EAUG path runs once the
        // fault entry is done, so a second thread faulting on the same address may get there first
        sgx.counters.faults++;
        sgx.account(PG_FAULTS);
        sgx.addCost(sim.costs.faultEntry);
        s.at = AT_EAUG;
        return sgx.takeCost();
      }
      s.result = sgxVmaFault(sgx, encl, slot, index, prot);
      s.at = AT_FAULTED;
      return sgx.takeCost();
    } else if (at === AT_EAUG) {
      s.result = sgxEnclEaugPage(sgx, encl, slot, index);
      s.at = AT_FAULTED;
      return sgx.takeCost();
    } else if (at === AT_FAULTED) {
      const r = s.result;
      sim.obs?.slice(sim.trackOf(t), "page fault", s.faultStart, sim.nowNs, { page: index, result: r === VM_FAULT_SIGBUS ? "VM_FAULT_SIGBUS" : "VM_FAULT_NOPAGE" });
      if (r === VM_FAULT_SIGBUS) {
        userFault(sim, t, "SIGBUS", index, s.notPresent, s.vdso, sigbusCause(sim, t, encl, index, s.faultStart, "page fault"));
        return TOUCH_STOP;
      }
      // the access retries; a thread that never gets its page is livelocked
      faultRetried(sim, t, index);
      if (sim.livelock !== null) return TOUCH_STOP;
      s.at = AT_TOP;
    } else {
      return TOUCH_OK;
    }
  }
}

/**
 * one access to enclave page `index` by a thread inside the enclave, faulting as needed; false
 * when the process must stop (SIGBUS, SIGSEGV or a pending fatal signal)
 */
export function* touch(sim: Simulator, t: UserThread, encl: Encl, index: number, vdso = false, write = false): Generator<number, boolean, void> {
  const s = new TouchState().begin(encl, enclMmSlot(encl, t.proc.mm), index, vdso, write);
  for (;;) {
    const d = touchStep(sim, t, s);
    if (d === TOUCH_OK) return true;
    if (d === TOUCH_STOP) return false;
    yield d;
  }
}

/**
 * why a fault on enclave page `index` that began at `sinceNs` got SIGBUS: the OOM path took the
 * enclave's memory, or the thread's own allocation was refused, or the page cannot be had at all
 */
export function sigbusCause(sim: Simulator, t: UserThread, encl: Encl, index: number, sinceNs: number, op: string): ProcessCause {
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) {
    const oom = sim.oomCauses.get(encl);
    if (oom !== undefined) return oom;
  }
  return refusalCause(sim.sgx.lastRefusal, t.name, sinceNs, op) ?? { kind: "fault", atNs: sim.nowNs, op, signal: "SIGBUS", page: index };
}

/**
 * a fault the kernel does not fix: without the vDSO the signal kills the process; through the
 * vDSO, fixup_vdso_exception() (do_sigbus, __bad_area_nosemaphore) reports it to the caller
 * instead and the thread is out of the enclave. False either way: the access did not happen.
 */
export function userFault(sim: Simulator, t: UserThread, signal: string, index: number, errorCode: number, vdso: boolean, cause?: ProcessCause): boolean {
  if (!vdso) {
    killProcess(sim, t.proc, signal, cause ?? { kind: "fault", atNs: sim.nowNs, op: "page fault", signal, page: index });
    return false;
  }
  // the AEX left the enclave and the vDSO returned to its caller
  leaveEnclave(t);
  t.inEcall = false;
  const p = t.proc;
  const e: ReportedException = { atNs: sim.nowNs, vector: X86_TRAP_PF, errorCode, address: index * PAGE_SIZE, function: t.entering ? "EENTER" : "ERESUME" };
  p.exceptions.push(e);
  sim.emit({ type: "enclave-exception", process: p.name, ...e });
  return false;
}

/** the protection of the VMA that maps enclave page `index`, or -1 when none does */
export function vmProt(p: Process, index: number): number {
  for (const v of p.vmas) if (index >= v.start && index < v.end) return v.prot;
  return -1;
}
