// driver.c: the /dev/sgx_enclave file — open, release, mmap — with the file and VMA bookkeeping
// the simulator keeps per process (struct file's reference count, the enclave's VMAs).
import { EACCES, EINVAL } from "../lib/errno.js";
import { Encl, sgxEnclMmAdd, sgxEnclMmRemove, sgxEnclPut } from "./encl.js";
import { PAGE_SIZE } from "./sgx.js";
import type { Mm, Sgx } from "./state.js";

/** a mapping of enclave pages [start, end) with VMA protection `prot` */
export interface Vma {
  start: number;
  end: number;
  prot: number;
}

/** the struct file of an open /dev/sgx_enclave: sgx_release() runs when its last reference goes */
export class EnclFile {
  refs = 1;
  constructor(readonly encl: Encl) {}
}

/** mirrors sgx_open() (driver.c): a new enclave, the file's private data; `owner` names it in messages */
export function sgxOpen(sgx: Sgx, owner: string): EnclFile {
  const encl = new Encl(sgx.encls.length, owner, sgx);
  sgx.encls.push(encl);
  return new EnclFile(encl);
}

/** fput() of the enclave file: the last reference runs sgx_release() */
export function fput(sgx: Sgx, file: EnclFile): void {
  file.refs--;
  if (file.refs === 0) sgxRelease(sgx, file.encl);
}

/** mirrors sgx_release() (driver.c): drain the mm list, then drop the file's reference */
export function sgxRelease(sgx: Sgx, encl: Encl): void {
  for (const m of [...encl.mmList]) sgxEnclMmRemove(sgx, encl, m.mm);
  sgxEnclPut(sgx, encl);
}

/**
 * mirrors sgx_mmap() (driver.c), with sgx_get_unmapped_area()'s refusal of MAP_PRIVATE: `prot`, when
 * given, is one VMA over all of ELRANGE, checked by sgx_encl_may_map(); then the mm joins the
 * enclave's mm list. The first mapping of the file takes a file reference (`mapped`: it has VMAs
 * already). 0 or -errno
 */
export function sgxMmap(sgx: Sgx, file: EnclFile, mm: Mm, prot: number | undefined, isPrivate: boolean, mapped: boolean): number {
  if (isPrivate) return -EINVAL;
  if (prot !== undefined && !sgxEnclMayMap(sgx, file.encl, prot)) return -EACCES;
  const ret = sgxEnclMmAdd(file.encl, mm);
  if (ret < 0) return ret;
  if (!mapped) file.refs++;
  return 0;
}

/** mirrors sgx_encl_may_map() (encl.c): every existing page must allow every requested bit (holes are not checked) */
export function sgxEnclMayMap(sgx: Sgx, encl: Encl, prot: number, start = 0, end = Math.floor(encl.size / PAGE_SIZE)): boolean {
  let allowed = true;
  const pages = sgx.enclPages;
  encl.pageArray.forEach(start, end, (_i, ep) => {
    if ((prot & ~pages.maxProt(ep) & 7) !== 0) allowed = false;
  });
  return allowed;
}
