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
 * when the table is full. The freed ids are a stack in a typed array: a JS array stops growing
 * past about 2^27 elements, fewer than the enclave pages of a terabyte of EPC.
 */
export class IdPool {
  private free = new Int32Array(64);
  private freeCount = 0;
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
    if (this.freeCount > 0) return this.free[--this.freeCount] as number;
    if (this.top === this.capacity) {
      this.capacity *= 2;
      this.grow(this.capacity);
    }
    return this.top++;
  }

  give(id: number): void {
    this.live--;
    if (this.freeCount === this.free.length) this.free = grown(this.free, this.free.length * 2);
    this.free[this.freeCount++] = id;
  }
}
