// The SGX hardware as the driver sees it: the EPCM entry of every EPC frame and the ENCLS leaves
// the driver executes, with their architectural preconditions (Intel SDM vol. 3D, ch. 38/40) and the
// SGX error codes the driver reacts to. Every leaf counts itself and charges its cost.
import { SmallSet } from "../lib/small-set.js";
import { SmallIntMap } from "../lib/small-int-map.js";
import { PairTags } from "../lib/pair-tags.js";
import type { Costs } from "./costs.js";
import {
  SGX_BLKSTATE,
  SGX_CHILD_PRESENT,
  SGX_ENCLS_FAULT_FLAG,
  SGX_MAC_COMPARE_FAIL,
  SGX_NOT_TRACKED,
  SGX_PAGE_NOT_BLOCKED,
  SGX_PAGE_NOT_MODIFIABLE,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_PAGE_TYPE_VA,
  SGX_PREV_TRK_INCMPL,
  X86_TRAP_PF,
  X86_TRAP_GP,
  SGX_EEXTEND_PER_PAGE,
  type EnclsLeaf,
  ENCLS_LEAVES,
} from "./arch.js";

/** a positive power of two (sizes above 2^31 included) */
function isPow2(n: number): boolean {
  return n > 0 && Number.isInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
}

export const EPCM_VALID = 1;
export const EPCM_BLOCKED = 2;
export const EPCM_PENDING = 4;
export const EPCM_MODIFIED = 8;
const TYPE_SHIFT = 4;
/** in Epcm.entry: the state bits above, the permission bits below shifted up past them, and the OS's bits */
const STATE_MASK = 0x7f;
const PERM_SHIFT = 7;
const PERM_MASK = 0xf << PERM_SHIFT;
/** bits 11-15 of Epcm.entry, which the EPCM leaves to the OS (kernel/epc-page.ts) */
export const EPCM_OS_BITS = 0xf800;
/** EPCM.R/W/X (SECINFO permission bits) and EPCM.PR (permission restriction pending), as Epcm.permOf() gives them */
export const EPCM_R = 1;
export const EPCM_W = 2;
export const EPCM_X = 4;
export const EPCM_PR = 8;
/** EACCEPT: the SECINFO does not match the EPCM entry */
export const SGX_PAGE_ATTRIBUTES_MISMATCH = 19;

/** the SECINFO an enclave passes to EACCEPT: page type, permissions and the state being accepted */
export interface AcceptSecinfo {
  type: number;
  perm: number;
  pending: boolean;
  modified: boolean;
  pr: boolean;
}

export const ENCLS_PF = SGX_ENCLS_FAULT_FLAG | X86_TRAP_PF;
export const ENCLS_GP = SGX_ENCLS_FAULT_FLAG | X86_TRAP_GP;

/** encls_faulted() */
export function enclsFaulted(ret: number): boolean {
  return (ret & SGX_ENCLS_FAULT_FLAG) !== 0;
}

/** encls_failed(): a #PF counts as expected (not failed), any other fault or SGX code as failed */
export function enclsFailed(ret: number): boolean {
  if (enclsFaulted(ret)) return (ret & ~SGX_ENCLS_FAULT_FLAG) !== X86_TRAP_PF;
  return ret !== 0;
}

/** Per-enclave hardware state reachable through its SECS: child count and the TLB-tracking epoch. */
export class SecsState {
  constructor(
    /** the enclave this SECS describes (the EPCM's ENCLAVESECS of its children points here) */
    readonly id: number,
  ) {}
  /** valid child frames (REG/TCS/TRIM) in the EPC */
  children = 0;
  initialized = false;
  /** bumped by every successful ETRACK */
  epoch = 0;
  /** tasks that were inside the enclave at the last ETRACK and have not exited since */
  readonly tracking = new SmallSet<object>();
  /** tasks currently executing inside the enclave (EENTER/ERESUME until EEXIT/AEX) */
  readonly inside = new SmallSet<object>();
  /** epoch at which each blocked frame was blocked */
  readonly blockedAt = new SmallIntMap();

  /** a logical processor left the enclave (EEXIT or AEX) */
  leave(task: object): void {
    this.inside.delete(task);
    this.tracking.delete(task);
  }
}

export type LeafCounters = Record<EnclsLeaf, number>;

export function newLeafCounters(): LeafCounters {
  const c = {} as LeafCounters;
  for (const leaf of ENCLS_LEAVES) c[leaf] = 0;
  return c;
}

export class Epcm {
  /**
   * per frame: the EPCM entry's state (valid, blocked, pending, modified, type: bits 0-6) and its
   * R/W/X and PR (bits 7-10). Bits 11-15 (EPCM_OS_BITS) are left to the OS: the kernel keeps
   * struct sgx_epc_page's small fields there (kernel/epc-page.ts), so that a frame's fixed-size
   * state is one 16-bit word; the EPCM never changes them.
   */
  readonly entry: Uint16Array;
  /**
   * the PCMD entry the last successful EWB wrote, which the caller keeps (the kernel's backing PCMD
   * page) and hands back to ELDU: the page's EPCM permissions and PR in bits 0-3, PENDING and
   * MODIFIED (state bits 2-3) in bits 4-5 (SDM EWB/ELDU: they travel with the page)
   */
  pcmdOut = 0;
  /** SECS states by enclave id, registered by ECREATE */
  private readonly secsById: (SecsState | undefined)[] = [];
  readonly leaves = newLeafCounters();
  /** nanoseconds of ENCLS work not yet charged to the running actor */
  cost = 0;
  /** injected failures still to happen, per leaf */
  private readonly failNext: Partial<Record<EnclsLeaf, number>> = {};
  /** injected failures not yet consumed, over all leaves (none: every leaf skips the lookup) */
  private failuresArmed = 0;

  constructor(
    frames: number,
    private readonly costs: Costs,
    /**
     * side `a` of each frame's tag is EPCM.ENCLAVESECS as enclave id + 1 (0: VA or invalid); side
     * `b` is the kernel's (kernel/paging-accounts.ts), which shares the tags to keep a frame's
     * memory at 16 bytes
     */
    readonly tags: PairTags = new PairTags(frames),
  ) {
    this.entry = new Uint16Array(frames);
  }

  /** bytes a frame costs here: the entry word, and the tag it shares with the kernel */
  bytesPerFrame(): number {
    return this.entry.BYTES_PER_ELEMENT + this.tags.bytesPerEntry();
  }

  /** the arrays behind the frames (for the bench's byte count) */
  arrays(): ArrayBufferView[] {
    return [this.entry, this.tags.tagArray()];
  }

  /** the EPCM state bits of `frame` (valid, blocked, pending, modified, type) */
  private st(frame: number): number {
    return (this.entry[frame] as number) & STATE_MASK;
  }

  private setSt(frame: number, state: number): void {
    this.entry[frame] = ((this.entry[frame] as number) & ~STATE_MASK) | state;
  }

  /** EPCM.R/W/X and EPCM.PR of `frame` */
  permOf(frame: number): number {
    return ((this.entry[frame] as number) & PERM_MASK) >> PERM_SHIFT;
  }

  private setPerm(frame: number, perm: number): void {
    this.entry[frame] = ((this.entry[frame] as number) & ~PERM_MASK) | (perm << PERM_SHIFT);
  }

  /** the enclave a SECS or child frame belongs to, -1 for VA and invalid frames */
  owner(frame: number): number {
    return this.tags.a(frame) - 1;
  }

  isValid(frame: number): boolean {
    return (this.st(frame) & EPCM_VALID) !== 0;
  }

  type(frame: number): number {
    return this.st(frame) >> TYPE_SHIFT;
  }

  /** the next `count` executions of `leaf` fail (a scenario's `fail` action) */
  injectFailures(leaf: EnclsLeaf, count: number): void {
    this.failNext[leaf] = (this.failNext[leaf] ?? 0) + count;
    this.failuresArmed += count;
  }

  /** consumes one injected failure of `leaf` */
  private injected(leaf: EnclsLeaf): boolean {
    if (this.failuresArmed === 0) return false;
    const n = this.failNext[leaf];
    if (n === undefined || n <= 0) return false;
    this.failNext[leaf] = n - 1;
    this.failuresArmed--;
    return true;
  }

  private set(frame: number, type: number, bits: number, owner: SecsState | null, perm = 0): void {
    this.entry[frame] = ((this.entry[frame] as number) & EPCM_OS_BITS) | (perm << PERM_SHIFT) | (type << TYPE_SHIFT) | bits | EPCM_VALID;
    this.tags.setA(frame, owner === null ? 0 : owner.id + 1);
  }

  private invalidate(frame: number): void {
    this.entry[frame] = (this.entry[frame] as number) & EPCM_OS_BITS;
    this.tags.setA(frame, 0);
  }

  /** ECREATE; `size` is SECS.SIZE: #GP unless a power of two of at least 2 pages (SDM, ECREATE) */
  ecreate(frame: number, secs: SecsState, size: number): number {
    this.leaves.ECREATE++;
    this.cost += this.costs.ecreate;
    if (size < 2 * 4096 || !isPow2(size)) return ENCLS_GP;
    if (this.isValid(frame)) return ENCLS_PF;
    this.set(frame, SGX_PAGE_TYPE_SECS, 0, secs);
    this.secsById[secs.id] = secs;
    secs.children = 0;
    secs.initialized = false;
    return 0;
  }

  /** EADD with the SECINFO's type and permissions (a TCS gets none) */
  eadd(frame: number, secs: SecsState, type: number, perm = 0): number {
    this.leaves.EADD++;
    this.cost += this.costs.eadd;
    if (this.isValid(frame) || secs.initialized) return ENCLS_PF;
    this.set(frame, type, 0, secs, type === SGX_PAGE_TYPE_REG ? perm & 7 : 0);
    secs.children++;
    return 0;
  }

  /** the 16 EEXTENDs that measure one page */
  eextendPage(): number {
    // sgx_measure() stops at the first failing EEXTEND
    for (let i = 0; i < SGX_EEXTEND_PER_PAGE; i++) {
      this.leaves.EEXTEND++;
      this.cost += this.costs.eextend;
      if (this.injected("EEXTEND")) return ENCLS_GP;
    }
    return 0;
  }

  einit(secs: SecsState): number {
    this.leaves.EINIT++;
    this.cost += this.costs.einit;
    if (secs.initialized) return ENCLS_GP;
    secs.initialized = true;
    return 0;
  }

  epa(frame: number): number {
    this.leaves.EPA++;
    this.cost += this.costs.epa;
    if (this.isValid(frame)) return ENCLS_PF;
    this.set(frame, SGX_PAGE_TYPE_VA, 0, null);
    return 0;
  }

  /** EREMOVE: a SECS with valid children fails with SGX_CHILD_PRESENT; a child leaves its SECS */
  eremove(frame: number): number {
    this.leaves.EREMOVE++;
    this.cost += this.costs.eremove;
    if (!this.isValid(frame)) return 0;
    const type = this.type(frame);
    // a VA page has no owner (-1): secsById[-1] would be a slow dictionary lookup
    const owner = this.owner(frame);
    const secs = owner >= 0 ? this.secsById[owner] : undefined;
    if (type === SGX_PAGE_TYPE_SECS) {
      if (secs !== undefined && secs.children > 0) return SGX_CHILD_PRESENT;
    } else if (type !== SGX_PAGE_TYPE_VA && secs !== undefined) {
      secs.children--;
      secs.blockedAt.delete(frame);
    }
    this.invalidate(frame);
    return 0;
  }

  eblock(frame: number, secs: SecsState): number {
    this.leaves.EBLOCK++;
    this.cost += this.costs.eblock;
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0) return ENCLS_PF;
    if ((s & EPCM_BLOCKED) !== 0) return SGX_BLKSTATE;
    this.setSt(frame, s | EPCM_BLOCKED);
    secs.blockedAt.set(frame, secs.epoch);
    return 0;
  }

  etrack(secs: SecsState): number {
    this.leaves.ETRACK++;
    this.cost += this.costs.etrack;
    if (secs.tracking.size > 0) return SGX_PREV_TRK_INCMPL;
    secs.epoch++;
    secs.tracking.addAll(secs.inside);
    return 0;
  }

  /** EWB of a child page (must be blocked and tracked) or of a SECS (must have no children); on success the PCMD entry is in `pcmdOut` */
  ewb(frame: number, secs: SecsState, isSecs: boolean): number {
    this.leaves.EWB++;
    this.cost += this.costs.ewb;
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0) return ENCLS_PF;
    // an injected failure leaves the frame as it was (valid and blocked), as a real failed EWB would
    if (this.injected("EWB")) return SGX_MAC_COMPARE_FAIL;
    if (isSecs) {
      if (secs.children > 0) return SGX_CHILD_PRESENT;
    } else {
      if ((s & EPCM_BLOCKED) === 0) return SGX_PAGE_NOT_BLOCKED;
      const at = secs.blockedAt.get(frame) ?? secs.epoch;
      if (secs.epoch <= at || secs.tracking.size > 0) return SGX_NOT_TRACKED;
      secs.children--;
      secs.blockedAt.delete(frame);
    }
    this.pcmdOut = ((s & (EPCM_PENDING | EPCM_MODIFIED)) << 2) | this.permOf(frame);
    this.invalidate(frame);
    return 0;
  }

  /** ELDU of a child (secs resident) or of the SECS itself (secs === null); `intact` is false for a lost page */
  eldu(frame: number, type: number, secs: SecsState | null, secsFrame: number, intact: boolean, owner: SecsState, pcmd = 0): number {
    this.leaves.ELDU++;
    this.cost += this.costs.eldu;
    if (this.isValid(frame)) return ENCLS_PF;
    if (secs !== null && (secsFrame < 0 || !this.isValid(secsFrame))) return ENCLS_PF;
    if (!intact || this.injected("ELDU")) return SGX_MAC_COMPARE_FAIL;
    this.set(frame, type, (pcmd >> 2) & (EPCM_PENDING | EPCM_MODIFIED), secs ?? owner, pcmd & 0x0f);
    if (secs !== null) secs.children++;
    return 0;
  }

  eaug(frame: number, secs: SecsState): number {
    this.leaves.EAUG++;
    this.cost += this.costs.eaug;
    if (this.isValid(frame) || !secs.initialized) return ENCLS_PF;
    // EAUG: a pending REG page with R and W
    this.set(frame, SGX_PAGE_TYPE_REG, EPCM_PENDING, secs, EPCM_R | EPCM_W);
    secs.children++;
    return 0;
  }

  /**
   * EMODPR to the SECINFO permissions `perm` (EPCM perms &= perm, PR set); `trimAccepted` tells
   * whether the enclave already EACCEPTed a TRIM of the page
   */
  emodpr(frame: number, trimAccepted: boolean, perm = 7): number {
    this.leaves.EMODPR++;
    this.cost += this.costs.emodpr;
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0) return ENCLS_PF;
    const type = s >> TYPE_SHIFT;
    if (type === SGX_PAGE_TYPE_TRIM) return trimAccepted ? ENCLS_PF : SGX_PAGE_NOT_MODIFIABLE;
    if (type !== SGX_PAGE_TYPE_REG || (s & (EPCM_PENDING | EPCM_MODIFIED)) !== 0) return SGX_PAGE_NOT_MODIFIABLE;
    this.setPerm(frame, (this.permOf(frame) & perm & 7) | EPCM_PR);
    return 0;
  }

  emodt(frame: number, newType: number): number {
    this.leaves.EMODT++;
    this.cost += this.costs.emodt;
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0) return ENCLS_PF;
    const type = s >> TYPE_SHIFT;
    if ((type !== SGX_PAGE_TYPE_REG && type !== SGX_PAGE_TYPE_TCS) || (s & (EPCM_PENDING | EPCM_MODIFIED)) !== 0)
      return SGX_PAGE_NOT_MODIFIABLE;
    // EMODT clears the permissions
    this.setSt(frame, (newType << TYPE_SHIFT) | EPCM_VALID | EPCM_MODIFIED);
    this.setPerm(frame, 0);
    return 0;
  }

  /**
   * ENCLU[EACCEPT] run by the enclave: clears PENDING, MODIFIED and PR. With a SECINFO, the
   * page's type, permissions and state must equal it, or SGX_PAGE_ATTRIBUTES_MISMATCH; without
   * one the enclave is taken to pass what the page's state needs.
   */
  eaccept(frame: number, secinfo?: AcceptSecinfo): number {
    this.cost += this.costs.eaccept;
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0) return ENCLS_PF;
    const perm = this.permOf(frame);
    if (
      secinfo !== undefined &&
      (secinfo.type !== s >> TYPE_SHIFT ||
        secinfo.perm !== (perm & 7) ||
        secinfo.pending !== ((s & EPCM_PENDING) !== 0) ||
        secinfo.modified !== ((s & EPCM_MODIFIED) !== 0) ||
        secinfo.pr !== ((perm & EPCM_PR) !== 0))
    )
      return SGX_PAGE_ATTRIBUTES_MISMATCH;
    this.setSt(frame, s & ~(EPCM_PENDING | EPCM_MODIFIED));
    this.setPerm(frame, perm & ~EPCM_PR);
    return 0;
  }

  /** ENCLU[EMODPE] run by the enclave: extends the permissions of a REG page that is not pending or modified */
  emodpe(frame: number, perm: number): number {
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0 || s >> TYPE_SHIFT !== SGX_PAGE_TYPE_REG || (s & (EPCM_PENDING | EPCM_MODIFIED)) !== 0) return ENCLS_PF;
    this.setPerm(frame, this.permOf(frame) | (perm & 7));
    return 0;
  }

  /**
   * the EPCM checks of an enclave access through a present PTE (SDM vol. 3D, "Access-control
   * requirements"): a valid REG page of this enclave, neither pending nor modified, whose EPCM
   * permissions allow the access; false means a #PF with the SGX bit in the error code
   */
  allowsAccess(frame: number, secs: SecsState, write: boolean): boolean {
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0 || this.owner(frame) !== secs.id) return false;
    if (s >> TYPE_SHIFT !== SGX_PAGE_TYPE_REG || (s & (EPCM_PENDING | EPCM_MODIFIED)) !== 0) return false;
    return (this.permOf(frame) & (write ? EPCM_W : EPCM_R)) !== 0;
  }

  /** EENTER's checks of its TCS: a valid TCS page of this enclave, neither pending nor modified */
  isEnterableTcs(frame: number, secs: SecsState): boolean {
    const s = this.st(frame);
    if ((s & EPCM_VALID) === 0 || this.owner(frame) !== secs.id) return false;
    return s >> TYPE_SHIFT === SGX_PAGE_TYPE_TCS && (s & (EPCM_PENDING | EPCM_MODIFIED)) === 0;
  }
}

