// A sparse Int32 array (a two-level radix table, like the xarrays the driver keys by page number):
// chunks of 4096 entries are allocated on first write, so an enclave with a terabyte ELRANGE and a
// few pages costs a few chunks, and walks visit only allocated chunks.

const CHUNK_SHIFT = 12;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

export class SparseInt32Array {
  private readonly chunks: (Int32Array | undefined)[] = [];
  /** number of entries that differ from the empty value */
  count = 0;

  constructor(readonly empty = -1) {}

  get(index: number): number {
    const chunk = this.chunks[index >>> CHUNK_SHIFT];
    return chunk === undefined ? this.empty : (chunk[index & CHUNK_MASK] as number);
  }

  set(index: number, value: number): void {
    const ci = index >>> CHUNK_SHIFT;
    let chunk = this.chunks[ci];
    if (chunk === undefined) {
      if (value === this.empty) return;
      chunk = new Int32Array(CHUNK_SIZE);
      if (this.empty !== 0) chunk.fill(this.empty);
      this.chunks[ci] = chunk;
    }
    const i = index & CHUNK_MASK;
    const old = chunk[i] as number;
    if (old === this.empty && value !== this.empty) this.count++;
    else if (old !== this.empty && value === this.empty) this.count--;
    chunk[i] = value;
  }

  /** visits the non-empty entries with index in [from, to) in ascending order */
  forEach(from: number, to: number, fn: (index: number, value: number) => void): void {
    const empty = this.empty;
    for (let ci = from >>> CHUNK_SHIFT; ci < this.chunks.length && ci << CHUNK_SHIFT < to; ci++) {
      const chunk = this.chunks[ci];
      if (chunk === undefined) continue;
      const base = ci << CHUNK_SHIFT;
      const lo = Math.max(from - base, 0);
      const hi = Math.min(to - base, CHUNK_SIZE);
      for (let i = lo; i < hi; i++) {
        const v = chunk[i] as number;
        if (v !== empty) fn(base + i, v);
      }
    }
  }

  clear(): void {
    this.chunks.length = 0;
    this.count = 0;
  }

  /** bytes held by allocated chunks */
  byteSize(): number {
    let n = 0;
    for (const c of this.chunks) if (c !== undefined) n += c.byteLength;
    return n;
  }
}
