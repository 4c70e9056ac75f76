// SGX2 from user space: EACCEPT of EAUGed or trimmed pages, heap growth (EAUG on fault) and
// shrinking (MODIFY_TYPES to TRIM, EACCEPT, REMOVE_PAGES, retrying on EAGAIN).
import { Encl } from "../kernel/encl.js";
import { EP_TRIM_ACCEPTED } from "../kernel/encl-page.js";
import { EAGAIN } from "../lib/errno.js";
import {
  sgxIocEnclaveModifyTypes,
  sgxIocEnclaveRemovePages,
} from "../kernel/ioctl.js";
import {
  PAGE_SIZE,
  SGX_IOC_ENCLAVE_MODIFY_TYPES,
  SGX_IOC_ENCLAVE_REMOVE_PAGES,
  SGX_PAGE_TYPE_TRIM,
} from "../kernel/sgx.js";
import type { AcceptSecinfo } from "../hw/epcm.js";
import { UserThread, type EacceptRecord } from "../engine/process.js";

import { touch } from "../engine/fault.js";
import { kernel, failed, eexit } from "../engine/syscall.js";
import { ioctlRetried } from "../engine/livelock.js";
import type { Simulator } from "../engine/sim.js";

/** EACCEPT pages [first, first+count) from inside the enclave; marks accepted trims */
export function* eaccept(sim: Simulator, t: UserThread, encl: Encl, first: number, count: number, secinfo?: AcceptSecinfo, rec?: EacceptRecord): Generator<number, boolean, void> {
  const sgx = sim.sgx;
  for (let i = first; i < first + count; i++) {
    if (!(yield* touch(sim, t, encl, i))) return false;
    const ep = encl.pageArray.get(i);
    const frame = ep >= 0 ? sgx.enclPages.frameOf(ep) : -1;
    if (frame < 0) continue;
    const ret = sgx.epcm.eaccept(frame, secinfo);
    sgx.counters.eaccept++;
    if (ret !== 0) {
      // EACCEPT returns the error in RAX; the enclave reports it and goes on
      if (rec !== undefined && rec.ret === 0) rec.ret = ret;
      yield sgx.takeCost();
      continue;
    }
    if (sgx.enclPages.type(ep) === SGX_PAGE_TYPE_TRIM)
      sgx.enclPages.setFlags(ep, sgx.enclPages.flagsOf(ep) | EP_TRIM_ACCEPTED);
    yield sgx.takeCost();
  }
  return true;
}

/** SGX2 growth: touch new pages above the heap top (EAUG on fault), then EACCEPT them */
export function* grow(sim: Simulator, t: UserThread, encl: Encl, bytes: number): Generator<number, boolean, void> {
  const p = t.proc;
  const first = p.heapTop;
  const count = Math.floor(bytes / PAGE_SIZE);
  if (!(yield* eaccept(sim, t, encl, first, count))) return false;
  p.heapTop = first + count;
  yield eexit(sim, t);
  return true;
}

/** SGX2 shrink: MODIFY_TYPES(TRIM), EACCEPT, REMOVE_PAGES of the top `bytes`, retrying on EAGAIN */
export function* shrink(sim: Simulator, t: UserThread, encl: Encl, bytes: number): Generator<number, boolean, void> {
  const p = t.proc;
  const count = Math.min(Math.floor(bytes / PAGE_SIZE), p.heapTop);
  if (count === 0) return true;
  const first = p.heapTop - count;
  yield eexit(sim, t);
  for (const kind of ["modify", "accept", "remove"] as const) {
    if (kind === "accept") {
      if (!(yield* eaccept(sim, t, encl, first, count))) return false;
      yield eexit(sim, t);
      continue;
    }
    let done = 0;
    while (done < count) {
      const off = (first + done) * PAGE_SIZE;
      const len = (count - done) * PAGE_SIZE;
      const path =
        kind === "modify"
          ? sgxIocEnclaveModifyTypes(sim.sgx, encl, off, len, SGX_PAGE_TYPE_TRIM)
          : sgxIocEnclaveRemovePages(sim.sgx, encl, off, len);
      const r = yield* kernel(sim, t, path, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES);
      done += r.count / PAGE_SIZE;
      if (r.ret === -EAGAIN) {
        ioctlRetried(sim, t, first + done, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES, r.count);
        if (sim.livelock !== null) return false;
        continue;
      }
      t.faultRetriesInARow = 0;
      if (r.ret < 0) return failed(sim, p, kind === "modify" ? SGX_IOC_ENCLAVE_MODIFY_TYPES : SGX_IOC_ENCLAVE_REMOVE_PAGES, r.ret, undefined);
    }
  }
  p.heapTop = first;
  return true;
}
