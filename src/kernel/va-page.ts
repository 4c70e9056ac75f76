// struct sgx_va_page (encl.h) and the VA slot allocator (encl.c): 512 eight-byte version slots per
// VA page, a bitmap per page, and the per-enclave list the reclaimer takes slots from.
import { IdPool } from "../lib/intrusive-list.js";
import { SGX_VA_SLOT_COUNT } from "./sgx.js";

const WORDS = SGX_VA_SLOT_COUNT / 32;

export class VaPages {
  capacity = 0;
  frame = new Int32Array(0);
  encl = new Int32Array(0);
  used = new Uint16Array(0);
  prev = new Int32Array(0);
  next = new Int32Array(0);
  slots = new Uint32Array(0);
  private readonly ids: IdPool;

  constructor(initialCapacity = 64) {
    this.ids = new IdPool(initialCapacity, (n) => this.grow(n));
  }

  get live(): number {
    return this.ids.live;
  }

  private grow(capacity: number): void {
    const frame = new Int32Array(capacity);
    frame.set(this.frame);
    const encl = new Int32Array(capacity);
    encl.set(this.encl);
    const used = new Uint16Array(capacity);
    used.set(this.used);
    const prev = new Int32Array(capacity);
    prev.set(this.prev);
    const next = new Int32Array(capacity);
    next.set(this.next);
    const slots = new Uint32Array(capacity * WORDS);
    slots.set(this.slots);
    Object.assign(this, { frame, encl, used, prev, next, slots, capacity });
  }

  /** kzalloc of a struct sgx_va_page */
  alloc(encl: number): number {
    const id = this.ids.take();
    this.frame[id] = -1;
    this.encl[id] = encl;
    this.used[id] = 0;
    this.prev[id] = -1;
    this.next[id] = -1;
    this.slots.fill(0, id * WORDS, id * WORDS + WORDS);
    return id;
  }

  release(id: number): void {
    this.encl[id] = -1;
    this.ids.give(id);
  }

  /** mirrors sgx_alloc_va_slot(): first zero bit, returned as a byte offset (slot << 3); 4096 when full */
  allocSlot(va: number): number {
    const base = va * WORDS;
    for (let w = 0; w < WORDS; w++) {
      const word = this.slots[base + w] as number;
      if (word !== 0xffffffff) {
        const bit = 31 - Math.clz32(~word & (word + 1));
        this.slots[base + w] = word | (1 << bit);
        this.used[va] = (this.used[va] as number) + 1;
        return (w * 32 + bit) << 3;
      }
    }
    return SGX_VA_SLOT_COUNT << 3;
  }

  /** mirrors sgx_free_va_slot() */
  freeSlot(va: number, offset: number): void {
    const slot = offset >> 3;
    const i = va * WORDS + (slot >> 5);
    const mask = 1 << (slot & 31);
    const word = this.slots[i] as number;
    if ((word & mask) !== 0) {
      this.slots[i] = word & ~mask;
      this.used[va] = (this.used[va] as number) - 1;
    }
  }

  isSlotUsed(va: number, offset: number): boolean {
    const slot = offset >> 3;
    return (((this.slots[va * WORDS + (slot >> 5)] as number) >>> (slot & 31)) & 1) === 1;
  }

  /** mirrors sgx_va_page_full() */
  isFull(va: number): boolean {
    return this.used[va] === SGX_VA_SLOT_COUNT;
  }
}
