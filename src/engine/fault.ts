// The #PF path as a user thread takes it: an access from inside the enclave that finds no present
// PTE exits the enclave (AEX), runs sgx_vma_fault() (or the EAUG path) and ERESUMEs; a fault the
// kernel does not fix is a signal, or with the vDSO an exception reported to the caller.
import { Encl, enclMmSlot, sgxEnclEaugPage, sgxVmaFault, ptePresentBit, pteAccessedBit, VM_FAULT_SIGBUS } from "../kernel/encl.js";
import { PAGE_SIZE, SGX_ENCL_NO_MEMORY, X86_TRAP_PF } from "../kernel/sgx.js";
import { leaveEnclave, Process, UserThread, type ReportedException } from "./process.js";
import { refusalCause, type ProcessCause } from "./cause.js";
import { PG_FAULTS, PG_SIGBUS } from "../kernel/paging-accounts.js";
import { killProcess } from "./tasks.js";
import { enterEnclave } from "./syscall.js";
import { faultRetried } from "./livelock.js";
import type { Simulator } from "./sim.js";

/**
 * one access to enclave page `index` by a thread inside the enclave, faulting as needed; false
 * when the process must stop (SIGBUS, SIGSEGV or a pending fatal signal)
 */
export function* touch(sim: Simulator, t: UserThread, encl: Encl, index: number, vdso = false, write = false): Generator<number, boolean, void> {
  const sgx = sim.sgx;
  const slot = enclMmSlot(encl, t.proc.mm);
  // a fault the kernel does not resolve: #PF error code U, W for a write, P clear (no PTE)
  const notPresent = 4 | (write ? 2 : 0);
  for (;;) {
    if (t.proc.exiting) return false;
    if (t.insideSecs === null) yield enterEnclave(sim, t, encl);
    const ep = encl.pageArray.get(index);
    const plane = slot >= 0 ? sgx.enclPages.ptePlane(slot) : null;
    if (plane !== null && ep >= 0 && ((plane[ep] as number) & ptePresentBit(slot)) !== 0) {
      plane[ep] = (plane[ep] as number) | pteAccessedBit(slot);
      t.faultRetriesInARow = 0;
      yield sim.costs.memoryAccess;
      return true;
    }
    const prot = vmProt(t.proc, index);
    if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0 && prot >= 0) {
      // v5: the OOM path drained the mm list and zapped the mappings; sgx_vma_fault() says SIGBUS
      sgx.counters.faults++;
      sgx.counters.sigbus++;
      sgx.account(PG_FAULTS);
      sgx.account(PG_SIGBUS);
      return userFault(sim, t, "SIGBUS", index, notPresent, vdso, sigbusCause(sim, t, encl, index, sim.nowNs, "page fault"));
    }
    if (prot < 0 || slot < 0) return userFault(sim, t, "SIGSEGV", index, notPresent, vdso);
    // the fault exits the enclave (AEX), runs sgx_vma_fault(), and ERESUMEs to retry the access
    leaveEnclave(t);
    const faultStart = sim.nowNs;
    sgx.counters.aex++;
    sgx.addCost(sim.costs.aex);
    let r: number;
    if (sgx.machine.sgx2 && ep < 0) {
      // sgx_vma_fault() found no entry without taking the lock; the EAUG path runs once the
      // fault entry is done, so a second thread faulting on the same address may get there first
      sgx.counters.faults++;
      sgx.account(PG_FAULTS);
      sgx.addCost(sim.costs.faultEntry);
      yield sgx.takeCost();
      r = sgxEnclEaugPage(sgx, encl, slot, index);
    } else {
      r = sgxVmaFault(sgx, encl, slot, index, prot);
    }
    yield sgx.takeCost();
    sim.obs?.slice(sim.trackOf(t), "page fault", faultStart, sim.nowNs, { page: index, result: r === VM_FAULT_SIGBUS ? "VM_FAULT_SIGBUS" : "VM_FAULT_NOPAGE" });
    if (r === VM_FAULT_SIGBUS) return userFault(sim, t, "SIGBUS", index, notPresent, vdso, sigbusCause(sim, t, encl, index, faultStart, "page fault"));
    // the access retries; a thread that never gets its page is livelocked
    faultRetried(sim, t, index);
    if (sim.livelock !== null) return false;
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
