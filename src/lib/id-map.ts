// Interning of 53-bit ids: each new id gets the next dense index (0, 1, 2, ... in first-seen order),
// a known id its old one. Two tables over typed arrays, because a trace of 20 M requests over a
// million ids would spend most of its time in a Map<number, number> (ids past 2^31 are heap numbers
// to hash): small ids (below 2^22, as synthetic traces and page numbers of one address range have
// them) index a direct table, grown by doubling to the largest seen; the others go to an
// open-addressing hash table with linear probing whose slots keep the id's two 32-bit halves and
// the index side by side, so a probe touches one cache line.

const TWO_32 = 4294967296;
/** ids below this are looked up directly: a table of at most 16 MiB */
const DIRECT_LIMIT = 1 << 22;
/** a slot: the id's low half, its high half, index + 1 (0 = empty), padding to 16 bytes */
const STRIDE = 4;

export class IdMap {
  /** index + 1 of each small id, 0 = not seen */
  private direct: Int32Array;
  private slots: Uint32Array;
  private mask: number;
  private used = 0;
  /** how many ids are interned: the next index */
  size = 0;

  constructor() {
    this.direct = new Int32Array(1024);
    this.slots = new Uint32Array(16 * STRIDE);
    this.mask = 15;
  }

  /** the dense index of the id lo + hi * 2^32 (hi < 2^21), assigned on first sight */
  intern(lo: number, hi: number): number {
    if (hi === 0 && lo < DIRECT_LIMIT) {
      if (lo >= this.direct.length) this.growDirect(lo);
      const at = this.direct[lo]!;
      if (at !== 0) return at - 1;
      this.direct[lo] = this.size + 1;
      return this.size++;
    }
    const slots = this.slots;
    const mask = this.mask;
    let slot = hash(lo, hi) & mask;
    for (;;) {
      const p = slot * STRIDE;
      const at = slots[p + 2]!;
      if (at === 0) break;
      if (slots[p] === lo && slots[p + 1] === hi) return at - 1;
      slot = (slot + 1) & mask;
    }
    const p = slot * STRIDE;
    slots[p] = lo;
    slots[p + 1] = hi;
    slots[p + 2] = this.size + 1;
    if (++this.used * 2 > mask) this.growHash();
    return this.size++;
  }

  /** the dense index of a safe integer id >= 0 */
  internNumber(id: number): number {
    return this.intern(id >>> 0, Math.floor(id / TWO_32));
  }

  /** the index of an id interned before, or -1 */
  get(lo: number, hi: number): number {
    if (hi === 0 && lo < DIRECT_LIMIT) return lo < this.direct.length ? this.direct[lo]! - 1 : -1;
    const slots = this.slots;
    for (let slot = hash(lo, hi) & this.mask; ; slot = (slot + 1) & this.mask) {
      const p = slot * STRIDE;
      const at = slots[p + 2]!;
      if (at === 0 || (slots[p] === lo && slots[p + 1] === hi)) return at - 1;
    }
  }

  private growDirect(lo: number): void {
    let cap = this.direct.length * 2;
    while (cap <= lo) cap *= 2;
    const direct = new Int32Array(Math.min(cap, DIRECT_LIMIT));
    direct.set(this.direct);
    this.direct = direct;
  }

  private growHash(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const slots = new Uint32Array(cap * STRIDE);
    const mask = cap - 1;
    for (let p = 0; p < old.length; p += STRIDE) {
      if (old[p + 2] === 0) continue;
      let slot = hash(old[p]!, old[p + 1]!) & mask;
      while (slots[slot * STRIDE + 2] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(p, p + 3), slot * STRIDE);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** the murmur3 finalizer over both halves: sequential ids spread over the whole table */
function hash(lo: number, hi: number): number {
  let z = lo ^ Math.imul(hi, 0x9e3779b9);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}
