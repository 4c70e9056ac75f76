// ECALLs: code inside the enclave reaching its pages and TCSs through the CPU's checks (the VMA,
// then the EPCM), EACCEPT and EMODPE from inside, and what the vDSO reports to its caller.
import { pteIndex } from "../kernel/encl-page.js";
import { Encl, enclMmSlot, ptePresentBit } from "../kernel/encl.js";
import {
  PAGE_SIZE,
  PROT_R,
  PROT_W,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TRIM,
} from "../kernel/sgx.js";
import type { EcallStep, EnclaveException, Step } from "./types.js";
import { Process, UserThread, type ReportedException } from "../engine/process.js";

import { touch, userFault, vmProt } from "../engine/fault.js";
import { exitWith } from "../engine/tasks.js";
import { enterEnclave, eexit } from "../engine/syscall.js";
import type { Simulator } from "../engine/sim.js";
import { eaccept } from "./sgx2.js";

/** X86_PF_SGX: the #PF came from the EPCM checks, not the page tables */
const PF_SGX = 0x8000;
const SECINFO_TYPE = { REG: SGX_PAGE_TYPE_REG, TCS: SGX_PAGE_TYPE_TCS, TRIM: SGX_PAGE_TYPE_TRIM } as const;

/**
 * an ECALL running ENCLU[EACCEPT] or ENCLU[EMODPE] on each page of the step (through its TCS
 * when given); each page is touched first, as the leaf reaches it through the TLB
 */
export function* enclaveLeafCall(sim: Simulator, t: UserThread, encl: Encl, step: Extract<Step, { op: "eaccept" | "emodpe" }>): Generator<number, boolean, void> {
  const p = t.proc;
  if (step.tcs !== undefined && !(yield* enterTcs(sim, t, encl, step.tcs / PAGE_SIZE, false))) return false;
  const first = step.offset / PAGE_SIZE;
  const count = step.length / PAGE_SIZE;
  if (step.op === "eaccept") {
    const rec = { atNs: sim.nowNs, offset: step.offset, length: step.length, ret: 0 };
    p.eaccepts.push(rec);
    const secinfo = step.secinfo === undefined ? undefined : { ...step.secinfo, type: SECINFO_TYPE[step.secinfo.type] };
    const ok = yield* eaccept(sim, t, encl, first, count, secinfo, rec);
    if (ok) yield eexit(sim, t);
    return ok;
  }
  const sgx = sim.sgx;
  yield enterEnclave(sim, t, encl);
  for (let i = first; i < first + count; i++) {
    if (!(yield* touch(sim, t, encl, i))) return false;
    // a faulting EMODPE (not a REG page, pending or modified) is a #PF the kernel cannot fix: SIGSEGV
    if (sgx.epcm.emodpe(sgx.enclPages.frameOf(encl.pageArray.get(i)), step.perm) !== 0) return userFault(sim, t, "SIGSEGV", i, PF_SGX | 1 | 4, false);
    sgx.addCost(sim.costs.eaccept);
    yield sgx.takeCost();
  }
  yield eexit(sim, t);
  return true;
}

/**
 * one checked access from inside the enclave: the VMA (whose protection the PTE carries) must
 * allow it (do_user_addr_fault -> access_error), the fault path maps the page, and then the
 * EPCM must allow it or the CPU raises #PF with the SGX bit, which access_error() always treats
 * as an access error (bad_area); false when the access did not happen
 */
export function* checkedAccess(sim: Simulator, t: UserThread, encl: Encl, index: number, write: boolean, vdso: boolean): Generator<number, boolean, void> {
  const sgx = sim.sgx;
  const slot = enclMmSlot(encl, t.proc.mm);
  const prot = vmProt(t.proc, index);
  const ep0 = encl.pageArray.get(index);
  const present = slot >= 0 && ep0 >= 0 && ((sgx.enclPages.ptePlane(slot)[pteIndex(ep0)] as number) & ptePresentBit(slot)) !== 0 ? 1 : 0;
  const wr = write ? 2 : 0;
  if (prot >= 0 && (prot & (write ? PROT_W : PROT_R)) === 0) return userFault(sim, t, "SIGSEGV", index, present | wr | 4, vdso);
  if (!(yield* touch(sim, t, encl, index, vdso, write))) return false;
  const frame = sgx.enclPages.frameOf(encl.pageArray.get(index));
  if (!sgx.epcm.allowsAccess(frame, encl.secs, write)) return userFault(sim, t, "SIGSEGV", index, PF_SGX | 1 | wr | 4, vdso);
  return true;
}

/**
 * EENTER through the TCS page `index`: the CPU reads the TCS through its PTE (a fault maps it)
 * and requires a valid, accepted TCS of this enclave (else #PF with the SGX bit, run.function EENTER)
 */
export function* enterTcs(sim: Simulator, t: UserThread, encl: Encl, index: number, vdso: boolean): Generator<number, boolean, void> {
  t.entering = true;
  let ok = yield* touch(sim, t, encl, index, vdso);
  if (ok && !sim.sgx.epcm.isEnterableTcs(sim.sgx.enclPages.frameOf(encl.pageArray.get(index)), encl.secs))
    ok = userFault(sim, t, "SIGSEGV", index, PF_SGX | 1 | 4, vdso);
  t.entering = false;
  return ok;
}

/** an ECALL with checked accesses (ecall steps with read, write, tcs, resume or vdso) */
export function* checkedEcall(sim: Simulator, t: UserThread, encl: Encl, step: EcallStep): Generator<number, boolean, void> {
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
  let ok = step.tcs === undefined || (yield* enterTcs(sim, t, encl, step.tcs / PAGE_SIZE, vdso));
  if (ok) {
    yield enterEnclave(sim, t, encl);
    for (const a of accesses) {
      if (!(yield* checkedAccess(sim, t, encl, a.index, a.write, vdso))) {
        if (!p.exiting) p.aexAccess = a;
        ok = false;
        break;
      }
    }
  }
  if (p.exiting) return false;
  yield eexit(sim, t);
  return ecallOutcome(sim, p, p.exceptions.length > before ? (p.exceptions.at(-1) ?? null) : null, step.exception);
}

/** compares what the vDSO reported with the step's expectation; a mismatch fails the process */
export function ecallOutcome(sim: Simulator, p: Process, got: ReportedException | null, want: EnclaveException | undefined): boolean {
  const same = got !== null && want !== undefined && got.vector === want.vector && got.errorCode === want.errorCode && got.address === want.address;
  if ((got === null && want === undefined) || same) return true;
  const hex = (e: { vector: number; errorCode: number; address: number } | null | undefined): string =>
    e === null || e === undefined ? "none" : `vector ${e.vector} error code 0x${e.errorCode.toString(16)} address 0x${e.address.toString(16)}`;
  p.error = { op: "ECALL", errno: `exception ${hex(got)}, expected ${hex(want)}` };
  exitWith(sim, p, 1, { kind: "syscall", atNs: sim.nowNs, op: "ECALL", errno: p.error.errno });
  return false;
}
