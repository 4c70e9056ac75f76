// struct sgx_encl_page (encl.h) as a growable struct of arrays. Ids are recycled through a free stack.
// `desc` keeps only bits 11:0 of the kernel's desc: the VA slot offset while evicted, and
// SGX_ENCL_PAGE_BEING_RECLAIMED (bit 3, the same bit) while resident — quirk Q14.
import { IdPool } from "../lib/intrusive-list.js";
import { grown, widenedFor } from "../lib/grown.js";

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

export class EnclPages {
  capacity = 0;
  frame = new Int32Array(0);
  /** the owning enclave's id + 1 (0: released), 2 bytes a page until an enclave id passes 65,534, then 4 */
  private enclPlusOne: Uint16Array | Int32Array = new Uint16Array(0);
  /** page index within ELRANGE: (addr - base) >> 12; the SECS uses size >> 12 */
  index = new Int32Array(0);
  vaPage = new Int32Array(0);
  desc = new Uint16Array(0);
  type = new Uint8Array(0);
  /** vm_max_prot_bits */
  maxProt = new Uint8Array(0);
  /**
   * present (bit 2k) and accessed (bit 2k+1) PTE bits for the enclave's mm slots 0-7; slots 8 and up
   * live in further planes of the same layout (ptePlane()), so an enclave can be mapped into any
   * number of mms, as in the kernel
   */
  pte = new Uint16Array(0);
  /** the planes for mm slots 8-15, 16-23, ... (made when a slot there is first used) */
  private readonly morePte: Uint16Array[] = [];
  flags = new Uint8Array(0);
  private readonly ids: IdPool;

  /**
   * room for `reserve` pages from the start (one per EPC frame: a fully populated EPC never grows
   * the arrays, so a terabyte's worth is never copied, old and new held at once); the arrays are
   * zero-filled, so the OS commits only what is touched
   */
  constructor(reserve = 0) {
    this.ids = new IdPool(Math.max(1024, reserve), (n) => this.grow(n));
  }

  get live(): number {
    return this.ids.live;
  }

  /** bytes of the per-page arrays (the first PTE plane included) */
  bytesPerPage(): number {
    return [this.frame, this.enclPlusOne, this.index, this.vaPage, this.desc, this.type, this.maxProt, this.pte, this.flags].reduce((n, a) => n + a.BYTES_PER_ELEMENT, 0);
  }

  private grow(capacity: number): void {
    this.frame = grown(this.frame, capacity);
    this.enclPlusOne = grown(this.enclPlusOne, capacity);
    this.index = grown(this.index, capacity);
    this.vaPage = grown(this.vaPage, capacity);
    this.desc = grown(this.desc, capacity);
    this.type = grown(this.type, capacity);
    this.maxProt = grown(this.maxProt, capacity);
    this.pte = grown(this.pte, capacity);
    for (let i = 0; i < this.morePte.length; i++) this.morePte[i] = grown(this.morePte[i] as Uint16Array, capacity);
    this.flags = grown(this.flags, capacity);
    this.capacity = capacity;
  }

  /** sgx_encl_page_alloc: a zeroed descriptor */
  alloc(encl: number, index: number, type: number, maxProt: number): number {
    const id = this.ids.take();
    this.frame[id] = -1;
    this.enclPlusOne = widenedFor(this.enclPlusOne, encl + 1);
    this.enclPlusOne[id] = encl + 1;
    this.index[id] = index;
    this.vaPage[id] = -1;
    this.desc[id] = 0;
    this.type[id] = type;
    this.maxProt[id] = maxProt;
    this.clearPtes(id);
    this.flags[id] = 0;
    return id;
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
    this.frame[id] = -1;
    this.ids.give(id);
  }

}
