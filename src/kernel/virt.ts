// Virtual EPC for KVM guests (virt.c): /dev/sgx_vepc pages are allocated on guest faults without
// reclaim, are never on the LRU, and are EREMOVEd and freed when the file is released.
import { sgxAllocEpcPageNoReclaim, sgxFreeEpcPage } from "./alloc.js";
import { EBUSY, EINVAL } from "../lib/errno.js";
import { SGX_CHILD_PRESENT } from "./sgx.js";
import { OWNER_VEPC } from "./epc-page.js";
import type { Sgx } from "./state.js";
import { PG_SIGBUS, PG_VEPC_FAULTS } from "./paging-accounts.js";

/** struct sgx_vepc */
export class Vepc {
  /** page index -> frame, -1 when not faulted in */
  readonly pageArray: Int32Array;
  released = false;
  constructor(
    readonly id: number,
    readonly ownerName: string,
    pages: number,
  ) {
    this.pageArray = new Int32Array(pages).fill(-1);
  }

  residentPages(): number {
    let n = 0;
    for (const f of this.pageArray) if (f >= 0) n++;
    return n;
  }
}

export const VEPC_OK = 0;
export const VEPC_RETRY = 1;
export const VEPC_SIGBUS = 2;

/**
 * mirrors sgx_vepc_fault() / __sgx_vepc_fault(): -EBUSY (no free frame, but something reclaimable)
 * is VM_FAULT_RETRY only when the fault has FAULT_FLAG_ALLOW_RETRY, SIGBUS otherwise. A guest's
 * faults always allow it: a vCPU's EPT violation reaches the vEPC through KVM's
 * hva_to_pfn_remapped(), which calls fixup_user_fault() with `unlocked` (which adds ALLOW_RETRY and
 * retries with FAULT_FLAG_TRIED, keeping ALLOW_RETRY), and the VMM's own accesses are user faults
 * (FAULT_FLAG_DEFAULT). gup without an unlock never gets here: the VMA is VM_IO | VM_PFNMAP.
 */
export function sgxVepcFault(sgx: Sgx, vepc: Vepc, index: number, allowRetry = true): number {
  sgx.counters.vepcFaults++;
  sgx.account(PG_VEPC_FAULTS);
  sgx.addCost(sgx.costs.faultEntry);
  // already present: success without inserting a PTE (quirk Q15)
  if ((vepc.pageArray[index] as number) >= 0) return VEPC_OK;
  const frame = sgxAllocEpcPageNoReclaim(sgx, OWNER_VEPC, vepc.id);
  if (frame === -EBUSY && allowRetry) return VEPC_RETRY;
  if (frame < 0) {
    sgx.counters.sigbus++;
    sgx.account(PG_SIGBUS);
    return VEPC_SIGBUS;
  }
  vepc.pageArray[index] = frame;
  return VEPC_OK;
}

/**
 * mirrors sgx_vepc_remove_all(): EREMOVE every page (the frames stay allocated and mapped); returns
 * the number of SECS pages that failed with SGX_CHILD_PRESENT, or -errno
 */
export function sgxVepcRemoveAll(sgx: Sgx, vepc: Vepc, arg: number): number {
  sgx.addCost(sgx.costs.ioctlEntry);
  if (arg !== 0) return -EINVAL;
  let failures = 0;
  for (const frame of vepc.pageArray) {
    if (frame < 0) continue;
    const ret = sgx.epcm.eremove(frame);
    if (ret === SGX_CHILD_PRESENT) failures++;
    else if (ret !== 0) return -EBUSY;
  }
  return failures;
}

/** mirrors sgx_vepc_free_page(): EREMOVE, then free; false when EREMOVE failed */
function sgxVepcFreePage(sgx: Sgx, frame: number): boolean {
  if (sgx.epcm.eremove(frame) !== 0) return false;
  sgxFreeEpcPage(sgx, frame);
  return true;
}

/** mirrors sgx_vepc_release(): two passes, then retry the zombie SECS pages */
export function sgxVepcRelease(sgx: Sgx, vepc: Vepc): void {
  const left: number[] = [];
  for (let i = 0; i < vepc.pageArray.length; i++) {
    const frame = vepc.pageArray[i] as number;
    if (frame < 0) continue;
    if (!sgxVepcFreePage(sgx, frame)) left.push(frame);
    vepc.pageArray[i] = -1;
  }
  const secsPages: number[] = [];
  for (const frame of left) if (!sgxVepcFreePage(sgx, frame)) secsPages.push(frame);
  const zombies = sgx.zombieSecs.splice(0);
  for (const frame of zombies) if (!sgxVepcFreePage(sgx, frame)) secsPages.push(frame);
  sgx.zombieSecs.push(...secsPages);
  vepc.released = true;
}
