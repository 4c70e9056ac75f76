// The contents pages of an enclave's backing shmem file (encl->backing), by page index: which exist
// and the memcg each was charged to. A contents page exists only while its enclave page is out (or
// between the reclaimer's backing allocation and its EWB), so it is kept in the page's own record
// (EnclPages.backingCgOf()), found through the page map; an index with no page there (none in the
// driver's own flows) falls back to a sparse map.
import type { EnclPageMap, EnclPages } from "./encl-page.js";
import { SparseInt32Array } from "../lib/sparse-array.js";

/** the SECS's descriptor and its index in the backing file (PFN_DOWN(size)) */
export interface SecsSlot {
  readonly secsPage: number;
  readonly secsIndex: number;
}

export class BackingContents {
  /** contents pages present */
  count = 0;
  private readonly unmapped = new SparseInt32Array();

  constructor(
    private readonly pages: EnclPages,
    private readonly map: EnclPageMap,
    private readonly secs: SecsSlot,
  ) {}

  /** the descriptor whose record holds index `index`'s contents page, -1 for none */
  private holder(index: number): number {
    return index === this.secs.secsIndex ? this.secs.secsPage : this.map.get(index);
  }

  /** the memcg id the contents page of `index` is charged to, -1 when there is none */
  get(index: number): number {
    const ep = this.holder(index);
    return ep >= 0 ? this.pages.backingCgOf(ep) : this.unmapped.get(index);
  }

  /** the contents page of `index` is charged to memcg `memcgId`, or (-1) is truncated */
  set(index: number, memcgId: number): void {
    const ep = this.holder(index);
    const old = ep >= 0 ? this.pages.backingCgOf(ep) : this.unmapped.get(index);
    if (old < 0 && memcgId >= 0) this.count++;
    else if (old >= 0 && memcgId < 0) this.count--;
    if (ep >= 0) this.pages.setBackingCg(ep, memcgId);
    else this.unmapped.set(index, memcgId);
  }

  /** the memcg id of every contents page (fput() at release: before the pages are freed) */
  forEachCharge(fn: (memcgId: number) => void): void {
    const pages = this.pages;
    this.map.forEach(0, this.secs.secsIndex, (_i, ep) => {
      const cg = pages.backingCgOf(ep);
      if (cg >= 0) fn(cg);
    });
    const secs = pages.backingCgOf(this.secs.secsPage);
    if (secs >= 0) fn(secs);
    this.unmapped.forEach(0, 2 ** 31 - 1, (_i, cg) => fn(cg));
  }

  /** every contents page gone */
  clear(): void {
    const pages = this.pages;
    this.map.forEach(0, this.secs.secsIndex, (_i, ep) => pages.setBackingCg(ep, -1));
    pages.setBackingCg(this.secs.secsPage, -1);
    this.unmapped.clear();
    this.count = 0;
  }
}
