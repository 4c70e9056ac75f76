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

export class EpcPages {
  readonly list: Uint8Array;
  readonly flags: Uint8Array;
  readonly poison: Uint8Array;
  readonly ownerKind: Uint8Array;
  readonly owner: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;
  /** sgx_epc_page.sgx_cg: the charged cgroup's id + 1, 0 when the page is not charged */
  readonly cg: Uint16Array;

  constructor(readonly count: number) {
    // Zero-filled typed arrays are lazily committed by the OS, so untouched frames cost no RSS.
    this.list = new Uint8Array(count);
    this.flags = new Uint8Array(count);
    this.poison = new Uint8Array(count);
    this.ownerKind = new Uint8Array(count);
    this.owner = new Int32Array(count);
    this.prev = new Int32Array(count);
    this.next = new Int32Array(count);
    this.cg = new Uint16Array(count);
  }

  /** sgx_epc_page.flags as the kernel would read them */
  kernelFlags(frame: number): number {
    return this.list[frame] === ON_UNTOUCHED ? SGX_EPC_PAGE_IS_FREE : (this.flags[frame] as number);
  }

  isTracked(frame: number): boolean {
    return ((this.flags[frame] as number) & SGX_EPC_PAGE_RECLAIMER_TRACKED) !== 0;
  }

  static bytesPerFrame(): number {
    return 1 + 1 + 1 + 1 + 4 + 4 + 4 + 2;
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
    this.pages.list[frame] = this.tag;
  }

  override addHead(frame: number): void {
    super.addHead(frame);
    this.pages.list[frame] = this.tag;
  }

  /** list_del_init: the frame's tag becomes ON_NONE */
  override remove(frame: number): void {
    super.remove(frame);
    this.pages.list[frame] = ON_NONE;
  }
}
