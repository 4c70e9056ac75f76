// The /dev/sgx_enclave ioctls (ioctl.c), with their checks in the kernel's order and their errno.
// Each is a generator: it yields the cost of work done so far (per page, and between reclaim
// phases) so simulated time advances while it runs.
import { enclsFaulted } from "../hw/epcm.js";
import { EP_TRIM_ACCEPTED } from "./encl-page.js";
import { ALLOC_MUST_WAIT, sgxAllocEpcPage, sgxAllocEpcPageAtOnce, sgxMarkPageReclaimable, sgxRecordUnreclaimable, sgxShouldReclaim, sgxUnmarkPageReclaimable } from "./alloc.js";
import { EACCES, EAGAIN, EBUSY, EFAULT, EINVAL, EIO, ENODEV, ENOMEM, EPERM, ERESTARTSYS } from "../lib/errno.js";
import {
  sgxEnclAddVaPage,
  sgxEnclFreeEpcPage,
  sgxEnclGrow,
  sgxEnclGrowAtOnce,
  sgxEnclIpi,
  sgxEnclLoadPage,
  sgxEnclLock,
  sgxEnclShrink,
  sgxEnclUnlock,
  sgxZapEnclavePtes,
  VA_NONE,
  type Encl,
} from "./encl.js";
import { OWNER_ENCL_PAGE } from "./epc-page.js";
import { sgxReclaimGlobal } from "./reclaim.js";
import { sgxCgroupReclaimDirect } from "./epc-cgroup.js";
import {
  PAGE_SIZE,
  PROT_R,
  PROT_W,
  SGX_ATTR_DEBUG,
  SGX_ATTR_MODE64BIT,
  SGX_ATTR_PROVISIONKEY,
  SGX_ATTR_UNPRIV_MASK,
  SGX_ENCL_CREATED,
  SGX_ENCL_DEBUG,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_NO_MEMORY,
  SGX_NR_LOW_PAGES,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
} from "./sgx.js";
import type { Sgx } from "./state.js";

export interface IoctlResult {
  /** 0 or -errno */
  ret: number;
  /** bytes processed, for the ioctls that report `count` */
  count: number;
  /** the struct's `result`: the SGX error code of an ENCLS leaf that failed without faulting (RESTRICT_PERMISSIONS, MODIFY_TYPES) */
  result?: number;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/**
 * mirrors sgx_ioc_enclave_create() / sgx_encl_create(). Mainline (since 0d3e0dfd68fb, v6.14) refuses a
 * size that is not a power of two with -EINVAL before allocating anything; the bases of the cgroup
 * series predate that check, so there ECREATE itself #GPs on such a size. Either way a power of two
 * below 2 pages passes the driver and #GPs in ECREATE: -EIO after the VA page and SECS frame were
 * allocated (reclaiming if need be) and EREMOVEd again.
 */
export function* sgxIocEnclaveCreate(sgx: Sgx, encl: Encl, size: number, debug: boolean, provisionKey = false): Generator<number, number> {
  sgx.addCost(sgx.costs.ioctlEntry);
  if ((encl.flags & SGX_ENCL_CREATED) !== 0) return -EINVAL;
  if (sgx.generation === "mainline" && !isPowerOfTwo(size)) return -EINVAL;
  // the first VA page is allocated before the SECS (quirk Q16)
  const va = yield* sgxEnclGrow(sgx, encl);
  if (va < 0) return va;
  sgxEnclAddVaPage(encl, va);
  const frame = yield* sgxAllocEpcPage(sgx, OWNER_ENCL_PAGE, encl.secsPage);
  if (frame < 0) {
    sgxEnclShrink(sgx, encl, va);
    return frame;
  }
  if (sgx.epcm.ecreate(frame, encl.secs, size) !== 0) {
    // err_out: EREMOVE (a no-op on the never-valid frame) and free the SECS frame, then shrink
    sgxEnclFreeEpcPage(sgx, frame);
    sgxEnclShrink(sgx, encl, va);
    return -EIO;
  }
  if (debug) encl.flags |= SGX_ENCL_DEBUG;
  encl.attributes = SGX_ATTR_MODE64BIT | (debug ? SGX_ATTR_DEBUG : 0n) | (provisionKey ? SGX_ATTR_PROVISIONKEY : 0n);
  encl.attributesMask = SGX_ATTR_UNPRIV_MASK;
  encl.size = size;
  sgx.enclPages.setDetachedIndex(encl.secsPage, encl.secsIndex);
  sgx.enclPages.setFrame(encl.secsPage, frame);
  sgx.enclPages.setType(encl.secsPage, SGX_PAGE_TYPE_SECS);
  sgxRecordUnreclaimable(sgx, frame, false);
  encl.flags |= SGX_ENCL_CREATED;
  return 0;
}

/** mirrors sgx_validate_offset_length() */
function validateOffsetLength(encl: Encl, offset: number, length: number): boolean {
  if (offset % PAGE_SIZE !== 0) return false;
  if (length === 0 || length % PAGE_SIZE !== 0) return false;
  if (offset + length < offset || offset + length > Number.MAX_SAFE_INTEGER) return false;
  if (offset + length - PAGE_SIZE >= encl.size) return false;
  return true;
}

/** mirrors sgx_validate_secinfo() for the fields our scenarios can set */
function validateSecinfo(type: number, perm: number): boolean {
  if (type !== SGX_PAGE_TYPE_REG && type !== SGX_PAGE_TYPE_TCS) return false;
  if ((perm & PROT_W) !== 0 && (perm & PROT_R) === 0) return false;
  if (type === SGX_PAGE_TYPE_TCS && perm !== 0) return false;
  return true;
}

/** an enclave page sgxEnclAddPageAtOnce() began and sgxEnclAddPageWait() finishes */
interface AddPageInProgress {
  ep: number;
  /** its frame, or ALLOC_MUST_WAIT when the allocation is still to come */
  frame: number;
}

/** sgxEnclAddPageAtOnce(): an allocation must wait; sgxEnclAddPageWait() goes on from `s` */
const ADD_MUST_WAIT = 1;

/**
 * mirrors sgx_encl_add_page() as plain code while its two allocations (the page's frame, and the
 * VA page every 512th page needs) come without waiting. ADD_MUST_WAIT when one must wait:
 * sgxEnclAddPageWait() finishes the page from where `s` says it stopped.
 */
function sgxEnclAddPageAtOnce(sgx: Sgx, encl: Encl, index: number, type: number, perm: number, measure: boolean, s: AddPageInProgress): number {
  const ep = sgx.enclPages.alloc(encl.pageArray, index, type, type === SGX_PAGE_TYPE_TCS ? PROT_R | PROT_W : perm);
  s.ep = ep;
  const frame = sgxAllocEpcPageAtOnce(sgx, OWNER_ENCL_PAGE, ep);
  s.frame = frame;
  if (frame === ALLOC_MUST_WAIT) return ADD_MUST_WAIT;
  const va = sgxEnclGrowAtOnce(sgx, encl);
  if (va === ALLOC_MUST_WAIT) return ADD_MUST_WAIT;
  return sgxEnclAddPageGrown(sgx, encl, index, ep, frame, va, type, perm, measure);
}

/** sgx_encl_add_page() from where sgxEnclAddPageAtOnce() stopped: the allocations that may reclaim */
function* sgxEnclAddPageWait(sgx: Sgx, encl: Encl, index: number, type: number, perm: number, measure: boolean, s: AddPageInProgress): Generator<number, number> {
  const ep = s.ep;
  let frame = s.frame;
  if (frame === ALLOC_MUST_WAIT) {
    frame = yield* sgxAllocEpcPage(sgx, OWNER_ENCL_PAGE, ep);
    if (frame < 0) {
      sgx.enclPages.release(ep);
      return frame;
    }
  }
  const va = yield* sgxEnclGrow(sgx, encl);
  return sgxEnclAddPageGrown(sgx, encl, index, ep, frame, va, type, perm, measure);
}

/** the rest of sgx_encl_add_page() once the frame and the VA slot (or the error) are there */
function sgxEnclAddPageGrown(sgx: Sgx, encl: Encl, index: number, ep: number, frame: number, va: number, type: number, perm: number, measure: boolean): number {
  if (va < 0) {
    sgxEnclFreeEpcPage(sgx, frame);
    sgx.enclPages.release(ep);
    return va;
  }
  // mmap_read_lock() and mutex_lock(&encl->lock) from here to the end
  sgxEnclLock(sgx, encl);
  const ret = sgxEnclAddPageLocked(sgx, encl, index, ep, frame, va, type, perm, measure);
  sgxEnclUnlock(sgx, encl);
  return ret;
}

/** the part of sgx_encl_add_page() under encl->lock: insert, EADD, EEXTEND, make it reclaimable */
function sgxEnclAddPageLocked(sgx: Sgx, encl: Encl, index: number, ep: number, frame: number, va: number, type: number, perm: number, measure: boolean): number {
  const pages = sgx.enclPages;
  sgxEnclAddVaPage(encl, va);
  if (encl.pageArray.get(index) >= 0) {
    // xa_insert(): a duplicate offset
    sgxEnclShrink(sgx, encl, va);
    sgxEnclFreeEpcPage(sgx, frame);
    pages.release(ep);
    return -EBUSY;
  }
  encl.pageArray.set(index, ep);
  if (sgx.epcm.eadd(frame, encl.secs, type, perm) !== 0) {
    encl.pageArray.set(index, -1);
    sgxEnclShrink(sgx, encl, va);
    sgxEnclFreeEpcPage(sgx, frame);
    pages.release(ep);
    return -EIO;
  }
  pages.setFrame(ep, frame);
  encl.secsChildCnt++;
  if (measure && sgx.epcm.eextendPage() !== 0) {
    // quirk Q2: this unwind does not decrement secs_child_cnt
    encl.leakedChildCnt++;
    sgx.warn(`EEXTEND failed for enclave ${encl.id}; secs_child_cnt stays incremented`);
    pages.setFrame(ep, -1);
    encl.pageArray.set(index, -1);
    sgxEnclShrink(sgx, encl, va);
    sgxEnclFreeEpcPage(sgx, frame);
    pages.release(ep);
    return -EIO;
  }
  sgxMarkPageReclaimable(sgx, frame);
  return 0;
}

/** mirrors sgx_ioc_enclave_add_pages() */
export function* sgxIocEnclaveAddPages(
  sgx: Sgx,
  encl: Encl,
  offset: number,
  length: number,
  type: number,
  perm: number,
  measure: boolean,
): Generator<number, IoctlResult> {
  sgx.addCost(sgx.costs.ioctlEntry);
  if ((encl.flags & SGX_ENCL_CREATED) === 0 || (encl.flags & SGX_ENCL_INITIALIZED) !== 0) return { ret: -EINVAL, count: 0 };
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return { ret: -ENOMEM, count: 0 };
  if (!validateOffsetLength(encl, offset, length)) return { ret: -EINVAL, count: 0 };
  if (!validateSecinfo(type, perm)) return { ret: -EINVAL, count: 0 };
  let ret = 0;
  let c = 0;
  const inProgress: AddPageInProgress = { ep: -1, frame: -1 };
  for (; c < length; c += PAGE_SIZE) {
    if (sgx.env.current().signalPending()) {
      if (c === 0) ret = -ERESTARTSYS;
      break;
    }
    const index = (offset + c) / PAGE_SIZE;
    // a page whose allocations need not wait, and the yield after it when nothing else is due, run as plain code
    ret = sgxEnclAddPageAtOnce(sgx, encl, index, type, perm, measure, inProgress);
    if (ret === ADD_MUST_WAIT) ret = yield* sgxEnclAddPageWait(sgx, encl, index, type, perm, measure, inProgress);
    if (ret !== 0) break;
    const d = sgx.takeCost();
    if (!sgx.env.continueInline(d)) yield d;
  }
  return { ret, count: c };
}

/** mirrors sgx_ioc_enclave_init() / sgx_encl_init(); the launch-token and signature checks always pass */
export function* sgxIocEnclaveInit(sgx: Sgx, encl: Encl): Generator<number, number> {
  sgx.addCost(sgx.costs.ioctlEntry);
  if ((encl.flags & SGX_ENCL_CREATED) === 0 || (encl.flags & SGX_ENCL_INITIALIZED) !== 0) return -EINVAL;
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return -ENOMEM;
  // e.g. PROVISIONKEY without SGX_IOC_ENCLAVE_PROVISION
  if ((encl.attributes & ~encl.attributesMask) !== 0n) return -EACCES;
  sgx.addCost(sgx.costs.sha256Modulus);
  const ret = sgx.epcm.einit(encl.secs);
  yield sgx.takeCost();
  if (ret !== 0) return enclsFaulted(ret) ? -EIO : -EPERM;
  encl.flags |= SGX_ENCL_INITIALIZED;
  return 0;
}

/** mirrors sgx_ioc_enclave_provision() / sgx_set_attribute(): any time, no state check */
export function sgxIocEnclaveProvision(sgx: Sgx, encl: Encl, validFd: boolean): number {
  sgx.addCost(sgx.costs.ioctlEntry);
  if (!validFd) return -EINVAL;
  encl.attributesMask |= SGX_ATTR_PROVISIONKEY;
  return 0;
}

/** mirrors sgx_reclaim_direct(): the cgroup's own reclaim first (EPC cgroups), then one global batch if free < 32 */
function* sgxReclaimDirect(sgx: Sgx): Generator<number, void> {
  // v17 reclaims for the caller's cgroup first; v5 only has the global step
  if (sgx.generation === "v17") yield* sgxCgroupReclaimDirect(sgx);
  if (sgxShouldReclaim(sgx, SGX_NR_LOW_PAGES)) {
    yield* sgxReclaimGlobal(sgx);
  }
}

/** mirrors sgx_ioc_sgx2_ready() plus the offset/length validation of the SGX2 ioctls */
function sgx2Ready(sgx: Sgx, encl: Encl, offset: number, length: number): number {
  if (!sgx.machine.sgx2) return -ENODEV;
  if ((encl.flags & SGX_ENCL_INITIALIZED) === 0) return -EINVAL;
  if ((encl.flags & SGX_ENCL_NO_MEMORY) !== 0) return -ENOMEM;
  if (!validateOffsetLength(encl, offset, length)) return -EINVAL;
  return 0;
}

/** mirrors sgx_enclave_etrack(): ETRACK (retried once after IPIs), then always IPIs */
function sgxEnclaveEtrack(sgx: Sgx, encl: Encl): number {
  let ret = sgx.epcm.etrack(encl.secs);
  if (ret !== 0) {
    sgxEnclIpi(sgx, encl);
    ret = sgx.epcm.etrack(encl.secs);
    if (ret !== 0) return -EFAULT;
  }
  sgxEnclIpi(sgx, encl);
  return 0;
}

/**
 * the start of every page of an SGX2 ioctl: sgx_reclaim_direct(), then sgx_encl_load_page()
 * without reclaim; a reload error becomes -EAGAIN (-EBUSY) or -EFAULT
 */
function* sgx2LoadPage(sgx: Sgx, encl: Encl, index: number): Generator<number, number> {
  yield* sgxReclaimDirect(sgx);
  // mutex_lock(&encl->lock): the caller unlocks at the end of the page (or of the loop)
  sgxEnclLock(sgx, encl);
  const ep = sgxEnclLoadPage(sgx, encl, index);
  if (ep >= 0) return ep;
  return ep === -EBUSY ? -EAGAIN : -EFAULT;
}

/** mirrors sgx_ioc_enclave_restrict_permissions() */
export function* sgxIocEnclaveRestrictPermissions(
  sgx: Sgx,
  encl: Encl,
  offset: number,
  length: number,
  perm: number,
): Generator<number, IoctlResult> {
  sgx.addCost(sgx.costs.ioctlEntry);
  let ret = sgx2Ready(sgx, encl, offset, length);
  if (ret !== 0) return { ret, count: 0 };
  if ((perm & ~7) !== 0 || ((perm & PROT_W) !== 0 && (perm & PROT_R) === 0)) return { ret: -EINVAL, count: 0 };
  let c = 0;
  let result = 0;
  for (; c < length; c += PAGE_SIZE) {
    const ep = yield* sgx2LoadPage(sgx, encl, (offset + c) / PAGE_SIZE);
    if (ep < 0) {
      ret = ep;
      break;
    }
    if (sgx.enclPages.type(ep) !== SGX_PAGE_TYPE_REG) {
      ret = -EINVAL;
      break;
    }
    const code = sgx.epcm.emodpr(sgx.enclPages.frameOf(ep), false, perm);
    if (code !== 0) {
      // encls_failed() without a fault: the SGX error code goes to params->result
      if (!enclsFaulted(code)) result = code;
      ret = -EFAULT;
      break;
    }
    ret = sgxEnclaveEtrack(sgx, encl);
    if (ret !== 0) break;
    sgxEnclUnlock(sgx, encl);
    yield sgx.takeCost();
  }
  sgxEnclUnlock(sgx, encl);
  return { ret, count: c, result };
}

/** mirrors sgx_ioc_enclave_modify_types() */
export function* sgxIocEnclaveModifyTypes(
  sgx: Sgx,
  encl: Encl,
  offset: number,
  length: number,
  pageType: number,
): Generator<number, IoctlResult> {
  sgx.addCost(sgx.costs.ioctlEntry);
  let ret = sgx2Ready(sgx, encl, offset, length);
  if (ret !== 0) return { ret, count: 0 };
  if (pageType !== SGX_PAGE_TYPE_TCS && pageType !== SGX_PAGE_TYPE_TRIM) return { ret: -EINVAL, count: 0 };
  const pages = sgx.enclPages;
  let c = 0;
  let result = 0;
  for (; c < length; c += PAGE_SIZE) {
    const ep = yield* sgx2LoadPage(sgx, encl, (offset + c) / PAGE_SIZE);
    if (ep < 0) {
      ret = ep;
      break;
    }
    const from = pages.type(ep);
    const allowed =
      (from === SGX_PAGE_TYPE_REG && (pageType === SGX_PAGE_TYPE_TCS || pageType === SGX_PAGE_TYPE_TRIM)) ||
      (from === SGX_PAGE_TYPE_TCS && pageType === SGX_PAGE_TYPE_TRIM);
    if (!allowed) {
      ret = -EINVAL;
      break;
    }
    const savedProt = pages.maxProt(ep);
    const frame = pages.frameOf(ep);
    if (pageType === SGX_PAGE_TYPE_TCS) {
      if ((savedProt & (PROT_R | PROT_W)) !== (PROT_R | PROT_W)) {
        ret = -EPERM;
        break;
      }
      pages.setMaxProt(ep, PROT_R | PROT_W);
      if (sgxUnmarkPageReclaimable(sgx, frame) === -EBUSY) {
        pages.setMaxProt(ep, savedProt);
        ret = -EAGAIN;
        break;
      }
      sgxZapEnclavePtes(sgx, encl, ep);
      sgxMarkPageReclaimable(sgx, frame);
    }
    const code = sgx.epcm.emodt(frame, pageType);
    if (code !== 0) {
      pages.setMaxProt(ep, savedProt);
      if (!enclsFaulted(code)) result = code;
      ret = -EFAULT;
      break;
    }
    ret = sgxEnclaveEtrack(sgx, encl);
    if (ret !== 0) break;
    pages.setType(ep, pageType);
    pages.setFlags(ep, pages.flagsOf(ep) & ~EP_TRIM_ACCEPTED);
    sgxEnclUnlock(sgx, encl);
    yield sgx.takeCost();
  }
  sgxEnclUnlock(sgx, encl);
  return { ret, count: c, result };
}

/** mirrors sgx_encl_remove_pages() */
export function* sgxIocEnclaveRemovePages(sgx: Sgx, encl: Encl, offset: number, length: number): Generator<number, IoctlResult> {
  sgx.addCost(sgx.costs.ioctlEntry);
  let ret = sgx2Ready(sgx, encl, offset, length);
  if (ret !== 0) return { ret, count: 0 };
  const pages = sgx.enclPages;
  let c = 0;
  for (; c < length; c += PAGE_SIZE) {
    const index = (offset + c) / PAGE_SIZE;
    // an evicted TRIM page is reloaded just to be removed
    const ep = yield* sgx2LoadPage(sgx, encl, index);
    if (ep < 0) {
      ret = ep;
      break;
    }
    if (pages.type(ep) !== SGX_PAGE_TYPE_TRIM) {
      ret = -EPERM;
      break;
    }
    const frame = pages.frameOf(ep);
    // the probe must fault: only a trim the enclave EACCEPTed may be removed
    const probe = sgx.epcm.emodpr(frame, (pages.flagsOf(ep) & EP_TRIM_ACCEPTED) !== 0);
    if (!enclsFaulted(probe)) {
      ret = -EPERM;
      break;
    }
    if (sgxUnmarkPageReclaimable(sgx, frame) === -EBUSY) {
      ret = -EBUSY;
      break;
    }
    sgxZapEnclavePtes(sgx, encl, ep);
    sgxEnclFreeEpcPage(sgx, frame);
    encl.secsChildCnt--;
    pages.setFrame(ep, -1);
    encl.pageArray.set(index, -1);
    sgxEnclShrink(sgx, encl, VA_NONE);
    pages.release(ep);
    sgxEnclUnlock(sgx, encl);
    yield sgx.takeCost();
  }
  sgxEnclUnlock(sgx, encl);
  return { ret, count: c };
}
