// struct sgx_epc_page (sgx.h) as a struct of arrays, one entry per EPC frame, plus the intrusive
// list_head the kernel links it with: a frame is on at most one list (dirty, node free list, node
// poison list, an LRU, the vEPC zombie list), so one prev/next pair serves all lists.
import { IntrusiveList } from "../lib/intrusive-list.js";

/** which list a frame is on (`list` membership in the kernel, see spec 2.11) */
export const ON_UNTOUCHED = 0; // free, in a node's not-yet-materialised initial free range
export const ON_FREE = 1;
export const ON_DIRTY = 2;
export const ON_POISON = 3;
export const ON_LRU = 4;
export const ON_NONE = 5; // allocated and off-list, or isolated by a reclaimer
export const ON_ZOMBIE = 6;
/** v5: on a cgroup's unreclaimable list (SECS and VA pages, state UNRECLAIMABLE) */
export const ON_UNRECLAIMABLE = 7;
export const LIST_NAMES = ["untouched-free", "free", "dirty", "poison", "lru", "none", "zombie", "unreclaimable"] as const;

/** sgx_epc_page.flags */
export const SGX_EPC_PAGE_RECLAIMER_TRACKED = 1;
export const SGX_EPC_PAGE_IS_FREE = 2;

/** what `owner` points to */
export const OWNER_NONE = 0;
/** a struct sgx_encl_page (a child page, or an enclave's embedded SECS page) */
export const OWNER_ENCL_PAGE = 1;
/** a VA page: the kernel stores NULL; we keep the VA page id for bookkeeping */
export const OWNER_VA = 2;
/** a struct sgx_vepc */
export const OWNER_VEPC = 3;

// The frame's small fields are bits 11-15 of the frame's EPCM word (hw/epcm.ts Epcm.entry, whose
// bits 0-10 are the EPCM's), so that a frame's fixed state is 16 bits: SGX_EPC_PAGE_RECLAIMER_TRACKED
// in bit 11, page->poison in bit 12, the list tag in bits 13-15. SGX_EPC_PAGE_IS_FREE is not stored
// but read from the list tag (flags()): sgx_free_epc_page() sets it as it puts a page on a free or
// poison list, __sgx_alloc_epc_page_from_node() clears it as it takes one off, and
// arch_memory_failure() moves a free page to the poison list keeping it. One page differs: a
// poisoned page that __sgx_sanitize_pages() moves from the dirty list to the poison list keeps the
// flags 0 it had there. Nothing reads IS_FREE of a poisoned page (arch_memory_failure() returns
// first on page->poison), so no run can tell. The owner kind is in bits 30-31 of `owner`, above the
// owner's id. sgx_epc_page.sgx_cg needs no field: with EPC cgroups a frame is charged to the cgroup
// it was allocated for, which the paging attribution's slot names (Sgx.frameCg()).
const TRACKED_BIT = 1 << 11;
const POISON_BIT = 1 << 12;
const LIST_SHIFT = 13;
const LIST_MASK = 0b111 << LIST_SHIFT;
/** the lists whose pages have SGX_EPC_PAGE_IS_FREE */
const FREE_LISTS = (1 << ON_UNTOUCHED) | (1 << ON_FREE) | (1 << ON_POISON);
const KIND_SHIFT = 30;
const ID_MASK = (1 << KIND_SHIFT) - 1;
/** owner ids must stay below this (2^30 - 1: the kind takes the top two bits, and all ones is -1) */
export const OWNER_ID_LIMIT = ID_MASK;

export class EpcPages {
  /** the EPCM's per-frame word, whose bits 11-15 are this table's (above) */
  readonly word: Uint16Array;
  /** sgx_epc_page.owner: the owner's id in bits 0-29, what it is (OWNER_*) in bits 30-31 */
  readonly owner: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;

  constructor(
    readonly count: number,
    /** the EPCM's words (Epcm.entry); a table of its own when there is no EPCM (tests) */
    word: Uint16Array = new Uint16Array(count),
  ) {
    if (word.length !== count) throw new Error(`EpcPages: ${count} frames need ${count} EPCM words, not ${word.length}.`);
    // Zero-filled typed arrays are lazily committed by the OS, so untouched frames cost no RSS.
    this.word = word;
    this.owner = new Int32Array(count);
    this.prev = new Int32Array(count);
    this.next = new Int32Array(count);
  }

  /** which list the frame is on (ON_*) */
  list(frame: number): number {
    return (this.word[frame] as number) >> LIST_SHIFT;
  }

  setList(frame: number, tag: number): void {
    this.word[frame] = ((this.word[frame] as number) & ~LIST_MASK) | (tag << LIST_SHIFT);
  }

  /**
   * every frame's list tag at once (boot: all dirty), the other fields cleared: at boot, before any
   * EPCM entry is valid, so the EPCM's bits of the words are zero either way
   */
  fillList(tag: number): void {
    this.word.fill(tag << LIST_SHIFT);
  }

  /** sgx_epc_page.flags (SGX_EPC_PAGE_*): RECLAIMER_TRACKED as stored, IS_FREE from the list */
  flags(frame: number): number {
    const w = this.word[frame] as number;
    return ((w & TRACKED_BIT) !== 0 ? SGX_EPC_PAGE_RECLAIMER_TRACKED : 0) | (((FREE_LISTS >> (w >> LIST_SHIFT)) & 1) !== 0 ? SGX_EPC_PAGE_IS_FREE : 0);
  }

  /** sets sgx_epc_page.flags; IS_FREE follows the list the caller has put the page on (or taken it off) */
  setFlags(frame: number, flags: number): void {
    const w = this.word[frame] as number;
    this.word[frame] = (flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) !== 0 ? w | TRACKED_BIT : w & ~TRACKED_BIT;
  }

  /** what `owner` points to (OWNER_*) */
  ownerKind(frame: number): number {
    return (this.owner[frame] as number) >>> KIND_SHIFT;
  }

  setOwnerKind(frame: number, kind: number): void {
    this.owner[frame] = ((this.owner[frame] as number) & ID_MASK) | (kind << KIND_SHIFT);
  }

  /** page->poison */
  poisoned(frame: number): boolean {
    return ((this.word[frame] as number) & POISON_BIT) !== 0;
  }

  setPoisoned(frame: number): void {
    this.word[frame] = (this.word[frame] as number) | POISON_BIT;
  }

  /** sgx_epc_page.owner: the id of what ownerKind() names, -1 for none yet (a VA page being set up) */
  ownerOf(frame: number): number {
    const id = (this.owner[frame] as number) & ID_MASK;
    return id === ID_MASK ? -1 : id;
  }

  setOwnerOf(frame: number, owner: number): void {
    if (owner >= OWNER_ID_LIMIT) throw new Error(`EpcPages: owner id ${owner} does not fit the 30 bits a frame keeps for it.`);
    // -1 is all ones in the id's bits
    this.owner[frame] = ((this.owner[frame] as number) & ~ID_MASK) | (owner & ID_MASK);
  }

  /** the list_head links (for checks; lists use the arrays) */
  prevOf(frame: number): number {
    return this.prev[frame] as number;
  }

  nextOf(frame: number): number {
    return this.next[frame] as number;
  }

  isTracked(frame: number): boolean {
    return ((this.word[frame] as number) & TRACKED_BIT) !== 0;
  }

  /** bytes a frame costs in this table's own arrays (its small fields are in the EPCM's word: Epcm.bytesPerFrame()) */
  bytesPerFrame(): number {
    return 4 + 4 + 4;
  }

  /** this table's own arrays (for the bench's byte count) */
  arrays(): ArrayBufferView[] {
    return [this.owner, this.prev, this.next];
  }
}

/** A list of frames threaded through EpcPages.prev/next (head = oldest); it keeps each frame's `list` tag. */
export class FrameList extends IntrusiveList {
  constructor(
    private readonly pages: EpcPages,
    /** the `list` tag frames on this list carry */
    readonly tag: number,
  ) {
    super(pages);
  }

  override addTail(frame: number): void {
    super.addTail(frame);
    this.pages.setList(frame, this.tag);
  }

  override addHead(frame: number): void {
    super.addHead(frame);
    this.pages.setList(frame, this.tag);
  }

  /** list_del_init: the frame's tag becomes ON_NONE */
  override remove(frame: number): void {
    super.remove(frame);
    this.pages.setList(frame, ON_NONE);
  }
}
