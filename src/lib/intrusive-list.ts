// A doubly linked list threaded through prev/next typed arrays, like the kernel's list_head: the
// entries are integer ids, the links live in the arrays of whatever table owns them. `links` is
// read on every operation, so a table may replace its arrays when it grows.
import { grown } from "./grown.js";

export interface Links {
  readonly prev: Int32Array;
  readonly next: Int32Array;
}

export class IntrusiveList {
  head = -1;
  tail = -1;
  size = 0;

  constructor(protected readonly links: Links) {}

  isEmpty(): boolean {
    return this.size === 0;
  }

  /** list_add_tail */
  addTail(id: number): void {
    const { prev, next } = this.links;
    prev[id] = this.tail;
    next[id] = -1;
    if (this.tail >= 0) next[this.tail] = id;
    else this.head = id;
    this.tail = id;
    this.size++;
  }

  /** list_add (at the head) */
  addHead(id: number): void {
    const { prev, next } = this.links;
    next[id] = this.head;
    prev[id] = -1;
    if (this.head >= 0) prev[this.head] = id;
    else this.tail = id;
    this.head = id;
    this.size++;
  }

  /** list_del_init */
  remove(id: number): void {
    const { prev, next } = this.links;
    const p = prev[id] as number;
    const n = next[id] as number;
    if (p >= 0) next[p] = n;
    else this.head = n;
    if (n >= 0) prev[n] = p;
    else this.tail = p;
    prev[id] = -1;
    next[id] = -1;
    this.size--;
  }

  /** removes and returns the head, or -1 */
  popHead(): number {
    const id = this.head;
    if (id >= 0) this.remove(id);
    return id;
  }

  /** ids from head to tail (for checks and tests, not hot paths) */
  toArray(): number[] {
    const out: number[] = [];
    const next = this.links.next;
    for (let id = this.head; id >= 0; id = next[id] as number) out.push(id);
    return out;
  }
}

/**
 * Hands out small integer ids, reusing freed ones first (the last freed first); `grow` is called
 * when the table is full. The freed ids are a stack in a typed array (a JS array stops growing past
 * about 2^27 elements, fewer than the enclave pages of a terabyte of EPC). Three or more freed in
 * arithmetic progression, as releasing an enclave frees the ids its build took (interleaved with
 * other builds), become one run: a stack entry -(r + 1) naming run r of a second stack of runs.
 * Releasing a terabyte's pages would otherwise take a gigabyte of stack.
 */
export class IdPool {
  /** singles (>= 0) and run references (< 0) */
  private free = new Int32Array(64);
  private entries = 0;
  private runFirst = new Int32Array(16);
  private runStride = new Int32Array(16);
  private runLength = new Int32Array(16);
  private runs = 0;
  private top = 0;
  live = 0;

  constructor(
    private capacity: number,
    private readonly grow: (capacity: number) => void,
  ) {
    grow(capacity);
  }

  take(): number {
    this.live++;
    const n = this.entries;
    if (n > 0) {
      const last = this.free[n - 1] as number;
      if (last >= 0) {
        this.entries = n - 1;
        return last;
      }
      // the run on top of the stack gives its last id
      const r = this.runs - 1;
      const length = (this.runLength[r] as number) - 1;
      if (length === 0) {
        this.runs = r;
        this.entries = n - 1;
      } else this.runLength[r] = length;
      return (this.runFirst[r] as number) + length * (this.runStride[r] as number);
    }
    if (this.top === this.capacity) {
      this.capacity *= 2;
      this.grow(this.capacity);
    }
    return this.top++;
  }

  give(id: number): void {
    this.live--;
    const n = this.entries;
    const free = this.free;
    if (n > 0) {
      const last = free[n - 1] as number;
      if (last < 0) {
        const r = this.runs - 1;
        const length = this.runLength[r] as number;
        if (id === (this.runFirst[r] as number) + length * (this.runStride[r] as number)) {
          this.runLength[r] = length + 1;
          return;
        }
      } else if (n > 1) {
        const before = free[n - 2] as number;
        if (before >= 0 && id - last === last - before && last !== before) {
          this.entries = n - 2;
          this.pushRun(before, last - before);
          return;
        }
      }
    }
    this.push(id);
  }

  /** entries in the freed-id stack (for tests: runs make it shorter than the ids it holds) */
  get stackEntries(): number {
    return this.entries;
  }

  private push(entry: number): void {
    if (this.entries === this.free.length) this.free = grown(this.free, this.free.length * 2);
    this.free[this.entries++] = entry;
  }

  /** a run of three: first, first + stride, first + 2 * stride */
  private pushRun(first: number, stride: number): void {
    if (this.runs === this.runFirst.length) {
      this.runFirst = grown(this.runFirst, this.runs * 2);
      this.runStride = grown(this.runStride, this.runs * 2);
      this.runLength = grown(this.runLength, this.runs * 2);
    }
    this.runFirst[this.runs] = first;
    this.runStride[this.runs] = stride;
    this.runLength[this.runs] = 3;
    this.runs++;
    this.push(-this.runs);
  }
}
