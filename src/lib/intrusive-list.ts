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
 * about 2^27 elements, fewer than the enclave pages of a terabyte of EPC), with runs of consecutive
 * ids, as releasing an enclave frees them, kept as two entries: its first id, then ~(length * 2 +
 * descending), a negative number. Releasing a terabyte's pages would otherwise take a gigabyte.
 */
export class IdPool {
  private free = new Int32Array(64);
  /** entries in `free` */
  private entries = 0;
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
      const free = this.free;
      const last = free[n - 1] as number;
      if (last >= 0) {
        this.entries = n - 1;
        return last;
      }
      // the top of a run: its last id; a run of two leaves a single id
      const code = ~last;
      const length = code >> 1;
      const first = free[n - 2] as number;
      const id = (code & 1) === 0 ? first + length - 1 : first - length + 1;
      if (length === 2) this.entries = n - 1;
      else free[n - 1] = ~((length - 1) * 2 + (code & 1));
      return id;
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
      if (last >= 0) {
        if (id === last + 1 || id === last - 1) {
          this.push(~(2 * 2 + (id === last + 1 ? 0 : 1)));
          return;
        }
      } else {
        const code = ~last;
        const length = code >> 1;
        const first = free[n - 2] as number;
        const down = code & 1;
        if (id === (down === 0 ? first + length : first - length)) {
          free[n - 1] = ~((length + 1) * 2 + down);
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
}
