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

// The frame's small fields share one byte (`word`): sgx_epc_page.flags in bits 0-1, page->poison in
// bit 2, the owner kind in bits 3-4 and the list tag in bits 5-7. sgx_epc_page.sgx_cg needs no array:
// with EPC cgroups a frame is charged to the cgroup it was allocated for, which the paging
// attribution's slot names (Sgx.frameCg()).
const FLAGS_MASK = 0b0000_0011;
const POISON_BIT = 0b0000_0100;
const KIND_SHIFT = 3;
const KIND_MASK = 0b0001_1000;
const LIST_SHIFT = 5;
const LIST_MASK = 0b1110_0000;

export class EpcPages {
  /** the packed byte above, per frame */
  readonly word: Uint8Array;
  readonly owner: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;

  constructor(readonly count: number) {
    // Zero-filled typed arrays are lazily committed by the OS, so untouched frames cost no RSS.
    this.word = new Uint8Array(count);
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

  /** every frame's list tag at once (boot: all dirty), the other fields cleared */
  fillList(tag: number): void {
    this.word.fill(tag << LIST_SHIFT);
  }

  /** sgx_epc_page.flags as stored (SGX_EPC_PAGE_*) */
  flags(frame: number): number {
    return (this.word[frame] as number) & FLAGS_MASK;
  }

  setFlags(frame: number, flags: number): void {
    this.word[frame] = ((this.word[frame] as number) & ~FLAGS_MASK) | flags;
  }

  /** what `owner` points to (OWNER_*) */
  ownerKind(frame: number): number {
    return ((this.word[frame] as number) & KIND_MASK) >> KIND_SHIFT;
  }

  setOwnerKind(frame: number, kind: number): void {
    this.word[frame] = ((this.word[frame] as number) & ~KIND_MASK) | (kind << KIND_SHIFT);
  }

  /** page->poison */
  poisoned(frame: number): boolean {
    return ((this.word[frame] as number) & POISON_BIT) !== 0;
  }

  setPoisoned(frame: number): void {
    this.word[frame] = (this.word[frame] as number) | POISON_BIT;
  }

  /** sgx_epc_page.owner: the id of what ownerKind() names */
  ownerOf(frame: number): number {
    return this.owner[frame] as number;
  }

  setOwnerOf(frame: number, owner: number): void {
    this.owner[frame] = owner;
  }

  /** the list_head links (for checks; lists use the arrays) */
  prevOf(frame: number): number {
    return this.prev[frame] as number;
  }

  nextOf(frame: number): number {
    return this.next[frame] as number;
  }

  /** sgx_epc_page.flags as the kernel would read them */
  kernelFlags(frame: number): number {
    return this.list(frame) === ON_UNTOUCHED ? SGX_EPC_PAGE_IS_FREE : this.flags(frame);
  }

  isTracked(frame: number): boolean {
    return ((this.word[frame] as number) & SGX_EPC_PAGE_RECLAIMER_TRACKED) !== 0;
  }

  /** bytes a frame costs in these arrays */
  bytesPerFrame(): number {
    return 1 + 4 + 4 + 4;
  }

  /** the arrays behind the frames (for the bench's byte count) */
  arrays(): ArrayBufferView[] {
    return [this.word, this.owner, this.prev, this.next];
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
