// The bench's second ceiling for the replay comparison (issue 13): the bare loop's replacement
// decisions (bare-loop.ts) plus the page state the kernel keeps for them, still without simulated
// time. Beside the free list and the LRU it keeps the EPCM's valid and blocked state per frame and
// the epoch each frame was blocked in, the enclave's VA pages and their slot bitmaps (a VA page per
// 512 pages added, as sgx_encl_grow() does), each evicted page's VA slot, its PCMD entry and its
// PCMD page's count of live entries, and its backing page; and it takes the kernel's steps on them:
// EADD at the build, a fault that maps a page the build left resident, ELDU on a miss, and in each
// batch the age test, the backing reservation, EBLOCK, the EWB that fails until an ETRACK and the
// EWBs after it. Not there: time, costs, events, CPUs, IPIs, locks, cgroups, counters per process.
// It measures what the kernel's data work costs in this runtime; the full model's time over this is
// its simulation machinery. Not part of epcsim: the bench only.
import { fileURLToPath } from "node:url";
import { readTrace } from "../src/trace/read.js";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES, SGX_NR_TO_SCAN } from "../src/kernel/sgx.js";
import { IntrusiveList } from "../src/lib/intrusive-list.js";
import { ACCESSED, NONE, PRESENT, type BareResult } from "./bare-loop.js";

export interface StateResult extends BareResult {
  /** ENCLS leaves and faults, as the kernel would count them */
  EADD: number;
  EPA: number;
  EBLOCK: number;
  ETRACK: number;
  EWB: number;
  ELDU: number;
  faults: number;
  /** at the end: VA slots in use, pages evicted, live PCMD entries (equal when the state is consistent) */
  vaSlotsInUse: number;
  evicted: number;
  pcmdEntries: number;
}

/** SGX_VA_SLOT_COUNT: 8-byte version slots in a 4 KiB VA page */
const VA_SLOTS = 512;
const VA_WORDS = VA_SLOTS / 32;
/** PCMD entries (128 bytes each) in one backing PCMD page */
const PCMDS_PER_PAGE = 32;
/** a page's record: its frame or NONE, its VA page and slot (va * VA_SLOTS + slot) or NONE, its bits */
const REC = 3;
const R_FRAME = 0;
const R_VA = 1;
const R_BITS = 2;
/** beside PRESENT and ACCESSED: the page's PCMD entry is written, its backing page is held */
const PCMD = 4;
const BACKING = 8;
const EPCM_VALID = 1;
const EPCM_BLOCKED = 2;

/**
 * replays `page[0 .. requests)` (dense indices below `distinct`) on `frames` EPC frames, one of
 * them the SECS; a miss is a request that needed ELDU
 */
export function stateReplay(page: Uint32Array, requests: number, distinct: number, frames: number): StateResult {
  // frames
  const owner = new Int32Array(frames);
  const lru = new IntrusiveList({ prev: new Int32Array(frames), next: new Int32Array(frames) });
  const free = new Int32Array(frames);
  const epcm = new Uint8Array(frames);
  const blockedAt = new Int32Array(frames);
  // enclave pages: one record each, as the engine keeps them (its frame, its VA slot, its bits)
  const rec = new Int32Array(REC * distinct);
  for (let p = 0; p < distinct; p++) {
    rec[REC * p + R_FRAME] = NONE;
    rec[REC * p + R_VA] = NONE;
  }
  const pcmdLive = new Uint8Array(Math.ceil(distinct / PCMDS_PER_PAGE));
  // VA pages: slot bitmaps and encl->va_pages as an intrusive list
  const vaCount = Math.ceil((distinct + 1) / VA_SLOTS);
  const vaBits = new Uint32Array(vaCount * VA_WORDS);
  const vaUsed = new Uint16Array(vaCount);
  const vaList = new IntrusiveList({ prev: new Int32Array(vaCount), next: new Int32Array(vaCount) });
  let vaPages = 0;

  let nrFree = 0;
  for (let f = frames - 1; f >= 0; f--) free[nrFree++] = f;
  let epoch = 1;
  let batches = 0;
  let misses = 0;
  let EADD = 0;
  let EBLOCK = 0;
  let ETRACK = 0;
  let EWB = 0;
  let ELDU = 0;
  let faults = 0;
  let evicted = 0;
  const batch = new Int32Array(SGX_NR_TO_SCAN);

  // mirrors sgx_alloc_va_slot(): the first clear bit of the VA page at the head of encl->va_pages
  const allocSlot = (v: number): number => {
    const base = v * VA_WORDS;
    for (let w = 0; w < VA_WORDS; w++) {
      const word = vaBits[base + w] as number;
      if (word !== 0xffffffff) {
        const bit = 31 - Math.clz32(~word & (word + 1));
        vaBits[base + w] = word | (1 << bit);
        vaUsed[v] = (vaUsed[v] as number) + 1;
        return w * 32 + bit;
      }
    }
    // the kernel would return the invalid offset SGX_VA_SLOT_COUNT << 3; ELDU's move of the freed
    // slot's page to the head keeps that from happening here, so it would be a bug of this loop
    throw new Error(`state loop: the VA page at the head of the list (${v}) is full.`);
  };
  // mirrors sgx_encl_ewb() (main.c): a VA slot from the head page, EWB; a page blocked in this epoch
  // gets SGX_NOT_TRACKED, so ETRACK and EWB again (no thread is inside, so no IPI round)
  const ewb = (f: number, p: number): void => {
    const v = vaList.head;
    const slot = allocSlot(v);
    if (vaUsed[v] === VA_SLOTS) {
      vaList.remove(v);
      vaList.addTail(v);
    }
    EWB++;
    if ((blockedAt[f] as number) >= epoch) {
      ETRACK++;
      epoch++;
      EWB++;
    }
    epcm[f] = 0;
    const r = REC * p;
    rec[r + R_VA] = v * VA_SLOTS + slot;
    rec[r + R_BITS] = (rec[r + R_BITS] as number) | PCMD;
    const pp = (p / PCMDS_PER_PAGE) | 0;
    pcmdLive[pp] = (pcmdLive[pp] as number) + 1;
    rec[r + R_FRAME] = NONE;
    evicted++;
  };
  // mirrors sgx_reclaim_pages(): isolate, age and reserve backing, block, write back and free
  const reclaim = (): void => {
    batches++;
    let n = 0;
    while (n < SGX_NR_TO_SCAN && lru.size > 0) batch[n++] = lru.popHead();
    let kept = 0;
    for (let k = 0; k < n; k++) {
      const f = batch[k] as number;
      const p = owner[f] as number;
      const bits = rec[REC * p + R_BITS] as number;
      if ((bits & ACCESSED) !== 0) {
        rec[REC * p + R_BITS] = bits & ~ACCESSED;
        lru.addTail(f);
        continue;
      }
      rec[REC * p + R_BITS] = bits | BACKING;
      batch[kept++] = f;
    }
    for (let k = 0; k < kept; k++) {
      const f = batch[k] as number;
      const b = REC * (owner[f] as number) + R_BITS;
      rec[b] = (rec[b] as number) & ~(PRESENT | ACCESSED);
      epcm[f] = (epcm[f] as number) | EPCM_BLOCKED;
      blockedAt[f] = epoch;
      EBLOCK++;
    }
    for (let k = 0; k < kept; k++) {
      const f = batch[k] as number;
      ewb(f, owner[f] as number);
      free[nrFree++] = f;
    }
  };
  // sgx_alloc_epc_page(): reclaim directly when nothing is free; ksgxd (here at once) below the low watermark
  const allocFrame = (): number => {
    if (nrFree === 0) reclaim();
    const f = free[--nrFree] as number;
    if (nrFree < SGX_NR_LOW_PAGES) while (nrFree < SGX_NR_HIGH_PAGES && lru.size > 0) reclaim();
    return f;
  };
  const place = (f: number, p: number): void => {
    epcm[f] = EPCM_VALID;
    owner[f] = p;
    rec[REC * p + R_FRAME] = f;
    lru.addTail(f);
  };

  // mirrors sgx_encl_grow(): a VA page for every SGX_VA_SLOT_COUNT pages counted, added at the head
  let pageCnt = 0;
  const grow = (): void => {
    if (pageCnt++ % VA_SLOTS !== 0) return;
    epcm[allocFrame()] = EPCM_VALID;
    vaList.addHead(vaPages++);
  };
  // ECREATE counts the SECS (sgx_encl_create()); then EADD of every distinct page (sgx_ioc_enclave_add_pages())
  grow();
  epcm[allocFrame()] = EPCM_VALID;
  for (let p = 0; p < distinct; p++) {
    grow();
    place(allocFrame(), p);
    EADD++;
  }
  for (let i = 0; i < requests; i++) {
    const p = page[i] as number;
    const r = REC * p;
    const bits = rec[r + R_BITS] as number;
    if ((bits & PRESENT) !== 0) {
      rec[r + R_BITS] = bits | ACCESSED;
      continue;
    }
    faults++;
    if (rec[r + R_FRAME] === NONE) {
      // mirrors sgx_encl_eldu() (encl.c): __sgx_encl_eldu()'s ELDU, PCMD zeroing and backing truncation, then the VA slot freed
      const f = allocFrame();
      ELDU++;
      misses++;
      const at = rec[r + R_VA] as number;
      const v = (at / VA_SLOTS) | 0;
      const slot = at % VA_SLOTS;
      const w = v * VA_WORDS + (slot >>> 5);
      vaBits[w] = (vaBits[w] as number) & ~(1 << (slot & 31));
      vaUsed[v] = (vaUsed[v] as number) - 1;
      rec[r + R_VA] = NONE;
      // and moves the VA page to the head of encl->va_pages, so the next EWB finds its free slot
      vaList.remove(v);
      vaList.addHead(v);
      const pp = (p / PCMDS_PER_PAGE) | 0;
      pcmdLive[pp] = (pcmdLive[pp] as number) - 1;
      rec[r + R_BITS] = (rec[r + R_BITS] as number) & ~(PCMD | BACKING);
      evicted--;
      place(f, p);
    }
    // the fault maps the page; the retried access sets the accessed bit
    rec[r + R_BITS] = (rec[r + R_BITS] as number) | PRESENT | ACCESSED;
  }
  let vaSlotsInUse = 0;
  for (let v = 0; v < vaPages; v++) vaSlotsInUse += vaUsed[v] as number;
  let pcmdEntries = 0;
  for (let q = 0; q < pcmdLive.length; q++) pcmdEntries += pcmdLive[q] as number;
  return {
    requests,
    misses,
    missRatio: requests === 0 ? 0 : misses / requests,
    batches,
    EADD,
    EPA: vaPages,
    EBLOCK,
    ETRACK,
    EWB,
    ELDU,
    faults,
    vaSlotsInUse,
    evicted,
    pcmdEntries,
  };
}

// `node dist/bench/state-loop.js TRACE BYTES`: one line of JSON (the bench spawns it, as it does epcsim and cachesim)
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, bytes, extra] = process.argv.slice(2);
  if (file === undefined || bytes === undefined || extra !== undefined) {
    console.error("usage: node dist/bench/state-loop.js TRACE BYTES");
    process.exit(2);
  }
  const trace = readTrace(file, { ignoreTenants: true, ignoreTimes: true });
  const distinct = trace.distinctPages[0] as number;
  console.log(JSON.stringify(stateReplay(trace.page, trace.requests, distinct, Math.floor(Number(bytes) / 4096))));
}
