// Two small integers per entry, `a` and `b`, kept as one interned tag per entry: when the distinct
// (a, b) pairs in use are few, an entry costs 2 bytes for both where two arrays would cost 4 (an EPC
// frame's EPCM owner and the process and cgroup it was allocated for: about one pair per enclave
// and cgroup). Tag 0 is the pair (0, 0), so zero-filled entries need no fill. Setting one side looks
// the new pair up through a one-entry memo per tag and side (the same change recurs: an enclave's
// frames are loaded and written back again and again), then through a Map. Past 65,536 pairs the
// tags widen to 4 bytes an entry.
import { grown } from "./grown.js";

/** either side must be an integer in [0, 2^32) */
const TWO_32 = 2 ** 32;

export class PairTags {
  private tags: Uint16Array | Uint32Array;
  /** per tag: its pair */
  private tagA = new Float64Array(16);
  private tagB = new Float64Array(16);
  /** per tag: the last `a` (or `b`) set on an entry with this tag, and the tag that gave (NaN: none) */
  private memoA = new Float64Array(16).fill(NaN);
  private memoATag = new Int32Array(16);
  private memoB = new Float64Array(16).fill(NaN);
  private memoBTag = new Int32Array(16);
  /** tag by a, then by b */
  private readonly byPair = new Map<number, Map<number, number>>([[0, new Map([[0, 0]])]]);
  /** tags handed out (tag 0 included) */
  size = 1;

  constructor(entries: number) {
    // zero-filled typed arrays are committed lazily: untouched entries cost no memory
    this.tags = new Uint16Array(entries);
  }

  /** bytes an entry costs (2, or 4 past 65,536 pairs) */
  bytesPerEntry(): number {
    return this.tags.BYTES_PER_ELEMENT;
  }

  /** the per-entry tags (for byte counts: the array is replaced when the tags widen) */
  tagArray(): Uint16Array | Uint32Array {
    return this.tags;
  }

  a(i: number): number {
    return this.tagA[this.tags[i] as number] as number;
  }

  b(i: number): number {
    return this.tagB[this.tags[i] as number] as number;
  }

  setA(i: number, a: number): void {
    const t = this.tags[i] as number;
    if (this.memoA[t] === a) {
      this.tags[i] = this.memoATag[t] as number;
      return;
    }
    const n = this.intern(a, this.tagB[t] as number);
    this.memoA[t] = a;
    this.memoATag[t] = n;
    this.tags[i] = n;
  }

  setB(i: number, b: number): void {
    const t = this.tags[i] as number;
    if (this.memoB[t] === b) {
      this.tags[i] = this.memoBTag[t] as number;
      return;
    }
    const n = this.intern(this.tagA[t] as number, b);
    this.memoB[t] = b;
    this.memoBTag[t] = n;
    this.tags[i] = n;
  }

  private intern(a: number, b: number): number {
    if (!(a >= 0 && a < TWO_32 && Number.isInteger(a))) throw new Error(`PairTags: a must be an integer in [0, 2^32), not ${a}.`);
    if (!(b >= 0 && b < TWO_32 && Number.isInteger(b))) throw new Error(`PairTags: b must be an integer in [0, 2^32), not ${b}.`);
    let byB = this.byPair.get(a);
    if (byB === undefined) {
      byB = new Map();
      this.byPair.set(a, byB);
    }
    const known = byB.get(b);
    if (known !== undefined) return known;
    const t = this.size++;
    if (t === this.tagA.length) this.growTables();
    if (t === 0x10000) this.tags = Uint32Array.from(this.tags);
    this.tagA[t] = a;
    this.tagB[t] = b;
    byB.set(b, t);
    return t;
  }

  private growTables(): void {
    const old = this.tagA.length;
    const n = 2 * old;
    this.tagA = grown(this.tagA, n);
    this.tagB = grown(this.tagB, n);
    this.memoA = grown(this.memoA, n);
    this.memoA.fill(NaN, old);
    this.memoATag = grown(this.memoATag, n);
    this.memoB = grown(this.memoB, n);
    this.memoB.fill(NaN, old);
    this.memoBTag = grown(this.memoBTag, n);
  }
}
