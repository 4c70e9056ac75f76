// struct sgx_encl_page (encl.h) as growable typed arrays. Ids are recycled through a free stack.
// `desc` keeps only bits 11:0 of the kernel's desc: the VA slot offset while evicted, and
// SGX_ENCL_PAGE_BEING_RECLAIMED (bit 3, the same bit) while resident — quirk Q14.
import { IdPool } from "../lib/intrusive-list.js";

/** the page was lost by a failed EWB or ELDU (quirks Q3/Q4); its next load fails */
export const EP_LOST = 1;
/** the enclave EACCEPTed a TRIM of this page, so the EMODPR probe of REMOVE_PAGES faults */
export const EP_TRIM_ACCEPTED = 2;
/** EAUG'd and not yet EACCEPTed (EPCM pending) */
export const EP_PENDING = 4;
/** the page owns a VA slot: set by a successful EWB, cleared when ELDU frees the slot */
export const EP_HOLDS_SLOT = 8;
/** the page's PCMD entry holds data: written by a successful EWB, zeroed by the next ELDU */
export const EP_PCMD_LIVE = 16;

/** mm slots per PTE plane: two bits each in a Uint16Array */
export const PTE_SLOTS_PER_PLANE = 8;

// One record of four Int32 words per page, so that the fault path and the reclaimer, which read
// most of a page's fields at once on pages drawn at random, touch one cache line instead of one
// per field. Word 3 packs desc (bits 0-11), the page type (12-14), vm_max_prot_bits (15-17) and
// the EP_* flags (18-22).
const WORDS = 4;
const W_FRAME = 0;
const W_INDEX = 1;
const W_VA_PAGE = 2;
const W_BITS = 3;
const DESC_MASK = 0xfff;
const TYPE_SHIFT = 12;
const TYPE_MASK = 0x7 << TYPE_SHIFT;
const PROT_SHIFT = 15;
const PROT_MASK = 0x7 << PROT_SHIFT;
const FLAGS_SHIFT = 18;
const FLAGS_MASK = 0x1f << FLAGS_SHIFT;

export class EnclPages {
  capacity = 0;
  /** frame, index, VA page and the packed word of each page (see above) */
  private rec = new Int32Array(0);
  /** the owning enclave's id + 1 (0: released), 2 bytes a page until an enclave id passes 65,534, then 4 */
  private enclPlusOne: Uint16Array | Int32Array = new Uint16Array(0);
  /**
   * present (bit 2k) and accessed (bit 2k+1) PTE bits for the enclave's mm slots 0-7; slots 8 and up
   * live in further planes of the same layout (ptePlane()), so an enclave can be mapped into any
   * number of mms, as in the kernel
   */
  pte = new Uint16Array(0);
  /** the planes for mm slots 8-15, 16-23, ... (made when a slot there is first used) */
  private readonly morePte: Uint16Array[] = [];
  private readonly ids = new IdPool(1024, (n) => this.grow(n));

  get live(): number {
    return this.ids.live;
  }

  /** bytes of the per-page arrays (the first PTE plane included) */
  bytesPerPage(): number {
    return WORDS * 4 + this.enclPlusOne.BYTES_PER_ELEMENT + this.pte.BYTES_PER_ELEMENT;
  }

  private grow(capacity: number): void {
    const copy = <T extends Int32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const a = make(capacity);
      a.set(old);
      return a;
    };
    const rec = new Int32Array(capacity * WORDS);
    rec.set(this.rec);
    this.rec = rec;
    const owners = this.enclPlusOne;
    this.enclPlusOne = owners instanceof Uint16Array ? copy(owners, (n) => new Uint16Array(n)) : copy(owners, (n) => new Int32Array(n));
    this.pte = copy(this.pte, (n) => new Uint16Array(n));
    for (let i = 0; i < this.morePte.length; i++) this.morePte[i] = copy(this.morePte[i] as Uint16Array, (n) => new Uint16Array(n));
    this.capacity = capacity;
  }

  /** sgx_encl_page_alloc: a zeroed descriptor */
  alloc(encl: number, index: number, type: number, maxProt: number): number {
    const id = this.ids.take();
    if (encl >= 0xffff && this.enclPlusOne instanceof Uint16Array) this.enclPlusOne = Int32Array.from(this.enclPlusOne);
    this.enclPlusOne[id] = encl + 1;
    const r = id * WORDS;
    this.rec[r + W_FRAME] = -1;
    this.rec[r + W_INDEX] = index;
    this.rec[r + W_VA_PAGE] = -1;
    this.rec[r + W_BITS] = ((type << TYPE_SHIFT) & TYPE_MASK) | ((maxProt << PROT_SHIFT) & PROT_MASK);
    this.clearPtes(id);
    return id;
  }

  /** the EPC frame holding the page, -1 when it is not resident */
  frame(id: number): number {
    return this.rec[id * WORDS + W_FRAME] as number;
  }

  setFrame(id: number, frame: number): void {
    this.rec[id * WORDS + W_FRAME] = frame;
  }

  /** page index within ELRANGE: (addr - base) >> 12; the SECS uses size >> 12 */
  index(id: number): number {
    return this.rec[id * WORDS + W_INDEX] as number;
  }

  setIndex(id: number, index: number): void {
    this.rec[id * WORDS + W_INDEX] = index;
  }

  /** encl_page->va_page: set by a successful EWB, -1 before the first */
  vaPage(id: number): number {
    return this.rec[id * WORDS + W_VA_PAGE] as number;
  }

  setVaPage(id: number, va: number): void {
    this.rec[id * WORDS + W_VA_PAGE] = va;
  }

  /** bits 11:0 of encl_page->desc */
  desc(id: number): number {
    return (this.rec[id * WORDS + W_BITS] as number) & DESC_MASK;
  }

  setDesc(id: number, desc: number): void {
    const r = id * WORDS + W_BITS;
    this.rec[r] = ((this.rec[r] as number) & ~DESC_MASK) | (desc & DESC_MASK);
  }

  /** the SGX page type (SGX_PAGE_TYPE_*) */
  type(id: number): number {
    return ((this.rec[id * WORDS + W_BITS] as number) & TYPE_MASK) >> TYPE_SHIFT;
  }

  setType(id: number, type: number): void {
    const r = id * WORDS + W_BITS;
    this.rec[r] = ((this.rec[r] as number) & ~TYPE_MASK) | ((type << TYPE_SHIFT) & TYPE_MASK);
  }

  /** vm_max_prot_bits */
  maxProt(id: number): number {
    return ((this.rec[id * WORDS + W_BITS] as number) & PROT_MASK) >> PROT_SHIFT;
  }

  setMaxProt(id: number, prot: number): void {
    const r = id * WORDS + W_BITS;
    this.rec[r] = ((this.rec[r] as number) & ~PROT_MASK) | ((prot << PROT_SHIFT) & PROT_MASK);
  }

  /** the EP_* flags */
  flags(id: number): number {
    return ((this.rec[id * WORDS + W_BITS] as number) & FLAGS_MASK) >>> FLAGS_SHIFT;
  }

  setFlags(id: number, flags: number): void {
    const r = id * WORDS + W_BITS;
    this.rec[r] = ((this.rec[r] as number) & ~FLAGS_MASK) | ((flags << FLAGS_SHIFT) & FLAGS_MASK);
  }

  /** the id of the enclave page `id` belongs to, -1 once released */
  enclOf(id: number): number {
    return (this.enclPlusOne[id] as number) - 1;
  }

  /** the PTE-bit array that holds mm slot `slot` (ptePresentBit()/pteAccessedBit() give the bits in it) */
  ptePlane(slot: number): Uint16Array {
    if (slot < PTE_SLOTS_PER_PLANE) return this.pte;
    const k = Math.floor(slot / PTE_SLOTS_PER_PLANE) - 1;
    while (this.morePte.length <= k) this.morePte.push(new Uint16Array(this.capacity));
    return this.morePte[k] as Uint16Array;
  }

  /** every mm's PTE for the page gone */
  clearPtes(id: number): void {
    this.pte[id] = 0;
    for (const plane of this.morePte) plane[id] = 0;
  }

  /** kfree */
  release(id: number): void {
    this.enclPlusOne[id] = 0;
    this.rec[id * WORDS + W_FRAME] = -1;
    this.ids.give(id);
  }
}
