// struct sgx_encl_page (encl.h) as one record per page in a growable typed array, and encl->page_array
// (the xarray of an enclave's pages by index) over it.
//
// Descriptors live in extents: an extent is 512 consecutive descriptor ids that hold the pages of one
// 2 MiB stretch of one enclave's ELRANGE, so a page's id is its extent's first id plus its offset in
// the stretch. The owning enclave and the page index then come from the extent (a small table), and
// an enclave's page map is a directory of extents plus a MAPPED bit per page: no per-page enclave id,
// index or map entry. The rare descriptor whose slot is taken (a second thread allocating the same
// index before either inserts it, or the SECS, which is not in the map) is "detached": it comes from
// a shared extent and keeps its enclave and index in side tables.
//
// A page is one 12-byte record (three Int32 words), since a fault and a reclaimed page each read and
// write nearly all of it and a replay over a million pages waits on memory for about half its time:
//   word 0: encl_page->epc_page while resident (>= 0); while evicted, encl_page->va_page as
//           -(va + 2), or -1 before any successful EWB. The kernel keeps both pointers, but va_page
//           matters only while the page is out, and once set it is never NULL again (EP_HAS_VA_PAGE
//           remembers that for the NULL dereference of quirk Q3);
//   word 1: `desc` and flags (below), then the PTE bits of mm slots 0-7;
//   word 2: the page type and vm_max_prot_bits, the PCMD entry EWB wrote (EPCM permissions and
//           PENDING/MODIFIED, kept by the kernel in its backing PCMD page), and the memcg id + 1
//           its backing contents page is charged to (0: no contents page; kernel/backing.ts).
//
// `desc` keeps only bits 11:0 of the kernel's desc: the VA slot offset while evicted, and
// SGX_ENCL_PAGE_BEING_RECLAIMED (bit 3, the same bit) while resident — quirk Q14. The offset is a
// multiple of 8, so bits 0-2 are free, and with bits 12-15 they hold our own EP_* flags: descOf()
// and flagsOf() read the same 16 bits.
import { IdPool } from "../lib/intrusive-list.js";
import { grown } from "../lib/grown.js";
import { SparseInt32Array } from "../lib/sparse-array.js";

/** the page was lost by a failed EWB or ELDU (quirks Q3/Q4); its next load fails */
export const EP_LOST = 1 << 0;
/** the enclave EACCEPTed a TRIM of this page, so the EMODPR probe of REMOVE_PAGES faults */
export const EP_TRIM_ACCEPTED = 1 << 1;
/** EAUG'd and not yet EACCEPTed (EPCM pending) */
export const EP_PENDING = 1 << 2;
// (bits 3-11: desc)
/** the page owns a VA slot: set by a successful EWB, cleared when ELDU frees the slot */
export const EP_HOLDS_SLOT = 1 << 12;
/** the page's PCMD entry holds data: written by a successful EWB, zeroed by the next ELDU */
export const EP_PCMD_LIVE = 1 << 13;
/** the descriptor is allocated: from sgx_encl_page_alloc() to kfree() */
export const EP_ALLOCATED = 1 << 14;
/** the descriptor is in its enclave's page map at its own slot: from xa_insert() to xa_erase() */
export const EP_MAPPED = 1 << 15;

/** mm slots per PTE plane: two bits each in a Uint16Array */
export const PTE_SLOTS_PER_PLANE = 8;

const EXTENT_SHIFT = 9;
/** descriptors per extent: 2 MiB of ELRANGE */
export const EXTENT_PAGES = 1 << EXTENT_SHIFT;
const EXTENT_MASK = EXTENT_PAGES - 1;
/** extentEncl of a free extent */
const EXTENT_FREE = -1;
/** extentEncl of an extent of detached descriptors */
const EXTENT_DETACHED = -2;

// the page type (SGX_PAGE_TYPE_*, 0-4) and vm_max_prot_bits (PROT_R/W/X) share a byte
const TYPE_MASK = 0b0000_0111;
const PROT_SHIFT = 3;
const PROT_MASK = 0b0011_1000;

/** Int32 words per page record */
const REC = 3;
/** the record in Uint16 and Uint8 units, and where its fields are in them */
const REC16 = 2 * REC;
const DESC16 = 2;
const PTE16 = 3;
const REC8 = 4 * REC;
const TYPE8 = 8;
const PCMD8 = 9;
const BACKING16 = 5;
/** in the type byte: the page has had a VA page (encl_page->va_page is not NULL) */
const EP_HAS_VA_PAGE = 0b0100_0000;

/**
 * index of page `id`'s PTE bits in any plane (EnclPages.ptePlane()): present (bit 2k) and accessed
 * (bit 2k+1) for the plane's mm slots k = 0-7
 */
export function pteIndex(id: number): number {
  return id * REC16 + PTE16;
}

export class EnclPages {
  capacity = 0;
  /** the page records (REC words a page) */
  private rec = new Int32Array(0);
  /** the same memory as Uint16: desc/flags and the PTE bits of mm slots 0-7 */
  private rec16 = new Uint16Array(0);
  /** the same memory as Uint8: the page type in bits 0-2, vm_max_prot_bits in bits 3-5, EP_HAS_VA_PAGE; the PCMD byte */
  private rec8 = new Uint8Array(0);
  /**
   * the PTE planes for mm slots 8-15, 16-23, ... (made when a slot there is first used), indexed like
   * the records (pteIndex()), so an enclave can be mapped into any number of mms, as in the kernel
   */
  private readonly morePte: Uint16Array[] = [];
  /** backing memcg ids past 65,534, by page (the record holds 0xffff for them) */
  private readonly bigBackingCg = new Map<number, number>();
  /** per extent: the owning enclave's id, EXTENT_FREE or EXTENT_DETACHED */
  private extentEncl = new Int32Array(0);
  /** per extent: its stretch of ELRANGE (page index >> EXTENT_SHIFT), -1 when detached or free */
  private extentStretch = new Int32Array(0);
  private readonly extents: IdPool;
  /** free detached descriptors, lowest id on top */
  private readonly detachedFree: number[] = [];
  private readonly detachedEncl = new Map<number, number>();
  private readonly detachedIndex = new Map<number, number>();
  /** allocated descriptors */
  live = 0;

  /**
   * room for `reserve` pages from the start (one per EPC frame, and a few extents for partly used
   * stretches: a fully populated EPC never grows the arrays, so a terabyte's worth is never copied,
   * old and new held at once); the arrays are zero-filled, so the OS commits only what is touched
   */
  constructor(reserve = 0) {
    const extents = Math.max(2, Math.ceil(reserve / EXTENT_PAGES) + 64);
    this.extents = new IdPool(extents, (n) => this.grow(n));
  }

  /** bytes of the per-page arrays (the first PTE plane included), and the per-extent tables' share */
  bytesPerPage(): number {
    const perPage = REC * this.rec.BYTES_PER_ELEMENT;
    // each extent: its two table entries and its entry in an enclave's directory
    return perPage + (4 + 4 + 4) / EXTENT_PAGES;
  }

  private grow(extents: number): void {
    const capacity = extents * EXTENT_PAGES;
    this.rec = grown(this.rec, REC * capacity);
    this.rec16 = new Uint16Array(this.rec.buffer);
    this.rec8 = new Uint8Array(this.rec.buffer);
    for (let i = 0; i < this.morePte.length; i++) this.morePte[i] = grown(this.morePte[i] as Uint16Array, REC16 * capacity);
    const old = this.extentEncl.length;
    this.extentEncl = grown(this.extentEncl, extents);
    this.extentEncl.fill(EXTENT_FREE, old);
    this.extentStretch = grown(this.extentStretch, extents);
    this.extentStretch.fill(-1, old);
    this.capacity = capacity;
  }

  /** sgx_encl_page_alloc: a zeroed descriptor for page `index` of the enclave whose map is `map` */
  alloc(map: EnclPageMap, index: number, type: number, maxProt: number): number {
    const stretch = index >>> EXTENT_SHIFT;
    let x = map.dir.get(stretch);
    if (x < 0) {
      x = this.takeExtent(map.encl, stretch);
      map.dir.set(stretch, x);
    }
    let id = x * EXTENT_PAGES + (index & EXTENT_MASK);
    if ((this.flagsOf(id) & EP_ALLOCATED) !== 0) id = this.takeDetached(map.encl, index);
    this.init(id, type, maxProt);
    return id;
  }

  /** a descriptor outside the page map (the SECS): its enclave and index are kept beside it */
  allocDetached(encl: number, index: number, type: number, maxProt: number): number {
    const id = this.takeDetached(encl, index);
    this.init(id, type, maxProt);
    return id;
  }

  private init(id: number, type: number, maxProt: number): void {
    this.live++;
    this.rec[REC * id] = -1;
    this.rec[REC * id + 2] = 0;
    if (this.bigBackingCg.size > 0) this.bigBackingCg.delete(id);
    this.rec8[REC8 * id + TYPE8] = type | (maxProt << PROT_SHIFT);
    this.clearPtes(id);
    this.rec16[REC16 * id + DESC16] = EP_ALLOCATED;
  }

  private takeExtent(encl: number, stretch: number): number {
    const x = this.extents.take();
    this.extentEncl[x] = encl;
    this.extentStretch[x] = stretch;
    return x;
  }

  /** the extent's descriptors are all released (its enclave is) */
  freeExtent(x: number): void {
    this.extentEncl[x] = EXTENT_FREE;
    this.extentStretch[x] = -1;
    for (let id = x * EXTENT_PAGES; id < (x + 1) * EXTENT_PAGES; id++) this.rec16[REC16 * id + DESC16] = 0;
    this.extents.give(x);
  }

  private takeDetached(encl: number, index: number): number {
    if (this.detachedFree.length === 0) {
      const x = this.extents.take();
      this.extentEncl[x] = EXTENT_DETACHED;
      for (let i = EXTENT_PAGES - 1; i >= 0; i--) this.detachedFree.push(x * EXTENT_PAGES + i);
    }
    const id = this.detachedFree.pop() as number;
    this.detachedEncl.set(id, encl);
    this.detachedIndex.set(id, index);
    return id;
  }

  /** the id of the enclave page `id` belongs to, -1 for a free extent or a released detached one */
  enclOf(id: number): number {
    const e = this.extentEncl[id >>> EXTENT_SHIFT] as number;
    return e !== EXTENT_DETACHED ? e : (this.detachedEncl.get(id) ?? -1);
  }

  /** page index within ELRANGE: (addr - base) >> 12; the SECS uses size >> 12 */
  index(id: number): number {
    const s = this.extentStretch[id >>> EXTENT_SHIFT] as number;
    return s >= 0 ? s * EXTENT_PAGES + (id & EXTENT_MASK) : (this.detachedIndex.get(id) ?? -1);
  }

  /** a detached descriptor's index (ECREATE sets the SECS's once the size is known) */
  setDetachedIndex(id: number, index: number): void {
    this.detachedIndex.set(id, index);
  }

  /** encl_page->epc_page: the resident frame, -1 when there is none */
  frameOf(id: number): number {
    const w = this.rec[REC * id] as number;
    return w >= 0 ? w : -1;
  }

  /** a frame, or -1: the page is not resident (an evicted page keeps its VA page) */
  setFrame(id: number, frame: number): void {
    const i = REC * id;
    if (frame >= 0 || (this.rec[i] as number) >= 0) this.rec[i] = frame;
  }

  /** encl_page->va_page while the page is evicted (the slot's VA page), -1 while resident or before any successful EWB */
  vaPageOf(id: number): number {
    const w = this.rec[REC * id] as number;
    return w <= -2 ? -w - 2 : -1;
  }

  /** a successful EWB: the page is out, its slot in VA page `va` */
  setEvicted(id: number, va: number): void {
    this.rec[REC * id] = -va - 2;
    this.rec8[REC8 * id + TYPE8] = (this.rec8[REC8 * id + TYPE8] as number) | EP_HAS_VA_PAGE;
  }

  /** encl_page->va_page is not NULL: some EWB of the page succeeded */
  hasVaPage(id: number): boolean {
    return ((this.rec8[REC8 * id + TYPE8] as number) & EP_HAS_VA_PAGE) !== 0;
  }

  /** the memcg id the page's backing contents page is charged to, -1 when it has none */
  backingCgOf(id: number): number {
    const v = this.rec16[REC16 * id + BACKING16] as number;
    return v === 0xffff ? (this.bigBackingCg.get(id) as number) : v - 1;
  }

  setBackingCg(id: number, memcgId: number): void {
    const v = memcgId + 1;
    const i = REC16 * id + BACKING16;
    if (v >= 0xffff) this.bigBackingCg.set(id, memcgId);
    else if (this.rec16[i] === 0xffff) this.bigBackingCg.delete(id);
    this.rec16[i] = Math.min(v, 0xffff);
  }

  /** the PCMD entry the page's last successful EWB wrote (Epcm.pcmdOut) */
  pcmdOf(id: number): number {
    return this.rec8[REC8 * id + PCMD8] as number;
  }

  setPcmd(id: number, pcmd: number): void {
    this.rec8[REC8 * id + PCMD8] = pcmd;
  }

  /** desc bits 11:0 (the VA slot offset, SGX_ENCL_PAGE_BEING_RECLAIMED); the other bits are flagsOf()'s */
  descOf(id: number): number {
    return this.rec16[REC16 * id + DESC16] as number;
  }

  setDesc(id: number, desc: number): void {
    this.rec16[REC16 * id + DESC16] = desc;
  }

  /** the EP_* bits (the same 16 bits as descOf()) */
  flagsOf(id: number): number {
    return this.rec16[REC16 * id + DESC16] as number;
  }

  setFlags(id: number, flags: number): void {
    this.rec16[REC16 * id + DESC16] = flags;
  }

  /** SGX_PAGE_TYPE_* */
  type(id: number): number {
    return (this.rec8[REC8 * id + TYPE8] as number) & TYPE_MASK;
  }

  setType(id: number, type: number): void {
    const i = REC8 * id + TYPE8;
    this.rec8[i] = ((this.rec8[i] as number) & ~TYPE_MASK) | type;
  }

  /** vm_max_prot_bits */
  maxProt(id: number): number {
    return ((this.rec8[REC8 * id + TYPE8] as number) & PROT_MASK) >> PROT_SHIFT;
  }

  setMaxProt(id: number, prot: number): void {
    const i = REC8 * id + TYPE8;
    this.rec8[i] = ((this.rec8[i] as number) & ~PROT_MASK) | (prot << PROT_SHIFT);
  }

  /** the PTE-bit array that holds mm slot `slot` (ptePresentBit()/pteAccessedBit() give the bits in it) */
  ptePlane(slot: number): Uint16Array {
    if (slot < PTE_SLOTS_PER_PLANE) return this.rec16;
    const k = Math.floor(slot / PTE_SLOTS_PER_PLANE) - 1;
    while (this.morePte.length <= k) this.morePte.push(new Uint16Array(REC16 * this.capacity));
    return this.morePte[k] as Uint16Array;
  }

  /**
   * reads the records of pages `ids[0..n)` in one short loop and returns their PTE words or'ed: a
   * reclaim batch then finds them in the cache, where reading them one at a time in its aging loop
   * waits on memory once per page (the loads here are independent, so their misses overlap)
   */
  prefetch(ids: Int32Array, n: number): number {
    const rec16 = this.rec16;
    let any = 0;
    for (let k = 0; k < n; k++) any |= rec16[pteIndex(ids[k] as number)] as number;
    return any;
  }

  /** every mm's PTE for the page gone */
  clearPtes(id: number): void {
    const i = pteIndex(id);
    this.rec16[i] = 0;
    for (const plane of this.morePte) plane[i] = 0;
  }

  /** kfree */
  release(id: number): void {
    this.live--;
    this.rec[REC * id] = -1;
    this.rec16[REC16 * id + DESC16] = 0;
    this.clearPtes(id);
    if (this.extentEncl[id >>> EXTENT_SHIFT] === EXTENT_DETACHED) {
      this.detachedEncl.delete(id);
      this.detachedIndex.delete(id);
      this.detachedFree.push(id);
    }
  }
}

/**
 * encl->page_array: the enclave's pages by index within ELRANGE. A page sits at its extent slot
 * with EP_MAPPED set; a detached page inserted at an index (the slot was another descriptor's) is
 * kept in `overrides`.
 */
export class EnclPageMap {
  /** extent id per 2 MiB stretch of ELRANGE (index >> EXTENT_SHIFT), -1 for none */
  readonly dir = new SparseInt32Array();
  private overrides: Map<number, number> | null = null;
  /** entries in the map */
  count = 0;

  constructor(
    private readonly pages: EnclPages,
    /** the enclave's id */
    readonly encl: number,
  ) {}

  /** xa_load(): the page at `index`, or -1 */
  get(index: number): number {
    const x = this.dir.get(index >>> EXTENT_SHIFT);
    if (x >= 0) {
      const ep = x * EXTENT_PAGES + (index & EXTENT_MASK);
      if ((this.pages.flagsOf(ep) & EP_MAPPED) !== 0) return ep;
    }
    return this.overrides === null ? -1 : (this.overrides.get(index) ?? -1);
  }

  /** the descriptor id of `index`'s slot, -1 when its stretch has no extent (mapped or not: the hot loop checks the PTE) */
  slot(index: number): number {
    const x = this.dir.get(index >>> EXTENT_SHIFT);
    return x < 0 ? -1 : x * EXTENT_PAGES + (index & EXTENT_MASK);
  }

  /** xa_insert() at an empty index (ep >= 0), or xa_erase() (ep = -1) */
  set(index: number, ep: number): void {
    const old = this.get(index);
    if (ep < 0) {
      if (old < 0) return;
      if (this.overrides?.delete(index) !== true) this.pages.setFlags(old, this.pages.flagsOf(old) & ~EP_MAPPED);
      this.count--;
      return;
    }
    if (old >= 0) throw new Error(`Internal error: page index ${index} of enclave ${this.encl} is already mapped.`);
    if (ep === this.slot(index)) this.pages.setFlags(ep, this.pages.flagsOf(ep) | EP_MAPPED);
    else (this.overrides ??= new Map()).set(index, ep);
    this.count++;
  }

  /** visits the pages with index in [from, to) in ascending index order */
  forEach(from: number, to: number, fn: (index: number, ep: number) => void): void {
    if (to <= from) return;
    const pages = this.pages;
    const extra = this.overrides === null ? [] : [...this.overrides].filter(([i]) => i >= from && i < to).sort((a, b) => a[0] - b[0]);
    let k = 0;
    this.dir.forEach(Math.floor(from / EXTENT_PAGES), Math.floor((to - 1) / EXTENT_PAGES) + 1, (stretch, x) => {
      const base = stretch * EXTENT_PAGES;
      const lo = Math.max(from - base, 0);
      const hi = Math.min(to - base, EXTENT_PAGES);
      for (let i = lo; i < hi; i++) {
        const index = base + i;
        while (k < extra.length && (extra[k] as [number, number])[0] < index) {
          const [oi, oep] = extra[k++] as [number, number];
          fn(oi, oep);
        }
        const ep = x * EXTENT_PAGES + i;
        if ((pages.flagsOf(ep) & EP_MAPPED) !== 0) fn(index, ep);
      }
    });
    while (k < extra.length) {
      const [oi, oep] = extra[k++] as [number, number];
      fn(oi, oep);
    }
  }

  /** the enclave is released: its pages were, and its extents go back */
  clear(): void {
    this.dir.forEach(0, Infinity, (_stretch, x) => this.pages.freeExtent(x));
    this.dir.clear();
    this.overrides = null;
    this.count = 0;
  }
}
