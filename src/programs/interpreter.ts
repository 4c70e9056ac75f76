// The steps interpreter: what a simulated process's main thread runs, one scenario step after
// another, entering the kernel through its system-call and ioctl entry points as user space does.
import { EACCES, EAGAIN, errnoName } from "../lib/errno.js";
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
import { EnclFile, fput, sgxEnclMayMap, sgxMmap } from "../kernel/driver.js";
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
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TRIM,
} from "../kernel/sgx.js";
import { sgxVepcRemoveAll } from "../kernel/virt.js";
import type { ProcessConfig, Step } from "./types.js";
import { BLOCK, Process, UserThread, type IoctlRecord, type ThreadProgram } from "../engine/process.js";

import { touch } from "../engine/fault.js";
import { exitWith, willStart, fork } from "../engine/tasks.js";
import { kernel, failed, noEnclave, sleep, openEncl, enterEnclave, eexit } from "../engine/syscall.js";
import { ioctlRetried } from "../engine/livelock.js";
import type { Simulator } from "../engine/sim.js";
import { checkedEcall, enclaveLeafCall } from "./ecall.js";
import { runGuest } from "./guest.js";
import { runThreads } from "./access.js";

export function* mainProgram(sim: Simulator, t: UserThread): ThreadProgram {
  const p = t.proc;
  for (const step of (p.config as ProcessConfig).steps) {
    if (p.exiting) return;
    const ok = yield* runStep(sim, t, step);
    if (!ok || p.exiting) return;
  }
}

/** a new record of an ioctl step in the process's summary */
export function ioctlRecord(sim: Simulator, p: Process, op: string): IoctlRecord {
  // the ioctls whose struct has a result field, which user space zeroes
  const result = op === SGX_IOC_ENCLAVE_MODIFY_TYPES || op === SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS ? 0 : null;
  const rec: IoctlRecord = { atNs: sim.nowNs, op, ret: 0, errno: null, count: 0, result, calls: 0 };
  p.ioctls.push(rec);
  return rec;
}

/** one call of the step done: its count adds up, its return value is the step's so far */
export function ioctlDone(rec: IoctlRecord, r: IoctlResult): void {
  rec.calls++;
  rec.count += r.count;
  if (r.result !== undefined) rec.result = r.result;
  rec.ret = r.ret < 0 ? -1 : 0;
  rec.errno = r.ret < 0 ? errnoName(r.ret) : null;
}

/** runs one step; false when the process must stop */
export function* runStep(sim: Simulator, t: UserThread, step: Step): Generator<number, boolean, void> {
  const p = t.proc;
  const sgx = sim.sgx;
  switch (step.op) {
    case "create": {
      const encl = openEncl(sim, p);
      const ret = yield* kernel(sim, t, sgxIocEnclaveCreate(sgx, encl, step.size, step.debug, step.provisionKey ?? false), SGX_IOC_ENCLAVE_CREATE);
      if (ret < 0) return failed(sim, p, SGX_IOC_ENCLAVE_CREATE, ret, step.expect);
      return true;
    }
    case "provision": {
      const encl = openEncl(sim, p);
      const ret = sgxIocEnclaveProvision(sgx, encl, step.validFd);
      yield sgx.takeCost();
      if (ret < 0) return failed(sim, p, SGX_IOC_ENCLAVE_PROVISION, ret, step.expect);
      return true;
    }
    case "addPages": {
      const encl = openEncl(sim, p);
      const type = step.type === "TCS" ? SGX_PAGE_TYPE_TCS : SGX_PAGE_TYPE_REG;
      const rec = ioctlRecord(sim, p, SGX_IOC_ENCLAVE_ADD_PAGES);
      for (let off = 0; off < step.length; off += step.chunk) {
        const len = Math.min(step.chunk, step.length - off);
        const r = yield* kernel(sim, t, sgxIocEnclaveAddPages(sgx, encl, step.offset + off, len, type, step.perm, step.measure), SGX_IOC_ENCLAVE_ADD_PAGES);
        ioctlDone(rec, r);
        if (r.count > 0) {
          const start = (step.offset + off) / PAGE_SIZE;
          p.addedRegions.push({ start, end: start + r.count / PAGE_SIZE, prot: type === SGX_PAGE_TYPE_TCS ? PROT_R | PROT_W : step.perm });
        }
        if (r.ret < 0) return failed(sim, p, SGX_IOC_ENCLAVE_ADD_PAGES, r.ret, step.expect);
      }
      return true;
    }
    case "init": {
      const encl = openEncl(sim, p);
      const ret = yield* kernel(sim, t, sgxIocEnclaveInit(sgx, encl), SGX_IOC_ENCLAVE_INIT);
      if (ret < 0) return failed(sim, p, SGX_IOC_ENCLAVE_INIT, ret, step.expect);
      return true;
    }
    case "mmap":
      return yield* mmapEnclave(sim, t, step.expect, step.prot, step.private ?? false);
    case "run":
      return yield* runThreads(sim, t, step.threads, step.phases);
    case "ecall": {
      const encl = p.encl;
      if (encl === null) return noEnclave(sim, p, "ECALL");
      if (step.touches.length === 0 || step.vdso !== undefined) return yield* checkedEcall(sim, t, encl, step);
      yield enterEnclave(sim, t, encl);
      for (const off of step.touches) {
        if (!(yield* touch(sim, t, encl, Math.floor(off / PAGE_SIZE)))) return false;
      }
      yield eexit(sim, t);
      return true;
    }
    case "modifyTypes":
    case "restrictPermissions":
    case "removePages": {
      const encl = p.encl;
      if (encl === null) return noEnclave(sim, p, "SGX2 ioctl");
      const d = eexit(sim, t);
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
      const rec = ioctlRecord(sim, p, op);
      let r: IoctlResult;
      do {
        r = yield* kernel(sim, t, path(step.offset + rec.count, step.length - rec.count), op);
        ioctlDone(rec, r);
        if (step.retry === true && r.ret === -EAGAIN) ioctlRetried(sim, t, (step.offset + rec.count) / PAGE_SIZE, op, r.count);
        if (sim.livelock !== null) return false;
      } while (step.retry === true && r.ret === -EAGAIN && !p.exiting);
      t.faultRetriesInARow = 0;
      if (r.ret < 0) return failed(sim, p, op, r.ret, step.expect);
      return true;
    }
    case "eaccept":
    case "emodpe": {
      const encl = p.encl;
      if (encl === null) return noEnclave(sim, p, step.op === "eaccept" ? "EACCEPT" : "EMODPE");
      return yield* enclaveLeafCall(sim, t, encl, step);
    }
    case "fork":
      fork(sim, p, { steps: [{ op: "hold" as const, durationNs: step.holdNs }, { op: "exit" as const, code: 0 }] });
      yield sim.costs.mmapCall;
      return true;
    case "idle":
      yield eexit(sim, t);
      yield* sleep(sim, t, step.durationNs);
      return true;
    case "close": {
      const file = p.file;
      if (file !== null && p.enclFdOpen) {
        p.enclFdOpen = false;
        fput(sim.sgx, file);
        if (p.vmas.length === 0) p.file = null;
      }
      return true;
    }
    case "vepc":
      return yield* runGuest(sim, t, step.bytes, step.touch);
    case "vepcRemoveAll": {
      if (p.vepc === null) return noEnclave(sim, p, SGX_IOC_VEPC_REMOVE_ALL);
      const ret = sgxVepcRemoveAll(sgx, p.vepc, step.arg);
      yield sgx.takeCost();
      if (ret < 0) return failed(sim, p, SGX_IOC_VEPC_REMOVE_ALL, ret, step.expect);
      return true;
    }
    case "mprotect": {
      const encl = p.encl;
      if (encl === null || p.vmas.length === 0) return noEnclave(sim, p, "mprotect");
      yield sim.costs.mmapCall;
      const start = (step.offset ?? 0) / PAGE_SIZE;
      const end = step.length === undefined ? Math.floor(encl.size / PAGE_SIZE) : start + step.length / PAGE_SIZE;
      if (!sgxEnclMayMap(sim.sgx, encl, step.prot, start, end)) return failed(sim, p, "mprotect", -EACCES, step.expect);
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
      yield eexit(sim, t);
      if (step.durationNs !== null) {
        yield* sleep(sim, t, step.durationNs);
        return true;
      }
      if (sim.processes.every((q) => q.isGuest || q.exited || !willStart(sim, q))) return true;
      if (p.exiting) return false;
      sim.holders.push(t);
      yield BLOCK;
      return true;
    case "exit":
      yield eexit(sim, t);
      exitWith(sim, p, step.code);
      return false;
  }
}

/** mmap() of the enclave: one VMA per added region with its protection, RW for the rest of ELRANGE */
export function* mmapEnclave(sim: Simulator, t: UserThread, expect: string | undefined, prot: number | undefined, isPrivate: boolean): Generator<number, boolean, void> {
  const p = t.proc;
  const encl = openEncl(sim, p);
  yield sim.costs.mmapCall;
  const ret = sgxMmap(sim.sgx, p.file as EnclFile, p.mm, prot, isPrivate, p.vmas.length > 0);
  if (ret < 0) return failed(sim, p, "mmap", ret, expect);
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
