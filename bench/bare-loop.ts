// The bench's ceiling for the replay comparison (issue 13): the replacement decisions of the
// kernel's reclaimer and nothing else, as tight typed-array code in this runtime. A free list, the
// LRU with its accessed-bit second chance, batches of SGX_NR_TO_SCAN pages started below
// SGX_NR_LOW_PAGES free and run until SGX_NR_HIGH_PAGES are free, the build adding every distinct
// page first: no time, no ENCLS, no VA pages, no locks, no backing store, no accounting. Run as a
// child process with the replay's own trace reader, it is what any model of this kernel costs here
// at least, start-up and trace reading included. Not part of epcsim: the bench only.
//
// `faultSetsAccessed: false` is the one change that turns these decisions into libCacheSim's CLOCK:
// there a new object starts with its reference bit clear. In the kernel, sgx_vma_fault() (encl.c)
// clears the new PTE's accessed bit after vmf_insert_pfn() (sgx_encl_test_and_clear_young()) and
// returns VM_FAULT_NOPAGE; the access that faulted then runs again and sets the bit, so every page
// loaded on a miss gets one second chance from sgx_reclaimer_age(). The bench runs both to show
// where the model's miss ratio departs from cachesim's.
import { fileURLToPath } from "node:url";
import { readTrace } from "../src/trace/read.js";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES, SGX_NR_TO_SCAN } from "../src/kernel/sgx.js";

export interface BareResult {
  requests: number;
  misses: number;
  missRatio: number;
  /** reclaim batches run */
  batches: number;
}

export const NONE = -1;
/** the PTE bits both ceilings keep per page */
export const PRESENT = 1;
export const ACCESSED = 2;

/**
 * replays `page[0 .. requests)` (dense indices below `distinct`) on `frames` EPC frames; a miss is
 * a request whose page was not resident
 */
export function bareReplay(page: Uint32Array, requests: number, distinct: number, frames: number, faultSetsAccessed = true): BareResult {
  const pte = new Uint8Array(distinct);
  const owner = new Int32Array(frames);
  const prev = new Int32Array(frames);
  const next = new Int32Array(frames);
  const free = new Int32Array(frames);
  let nrFree = 0;
  for (let f = frames - 1; f >= 0; f--) free[nrFree++] = f;
  let head = NONE;
  let tail = NONE;
  let lruSize = 0;
  let batches = 0;
  const batch = new Int32Array(SGX_NR_TO_SCAN);

  const addTail = (f: number): void => {
    prev[f] = tail;
    next[f] = NONE;
    if (tail !== NONE) next[tail] = f;
    else head = f;
    tail = f;
    lruSize++;
  };
  // the decisions of sgx_reclaim_pages() (main.c): isolate from the head, young pages back to the tail
  const reclaim = (): void => {
    batches++;
    let n = 0;
    while (n < SGX_NR_TO_SCAN && lruSize > 0) {
      const f = head;
      head = next[f] as number;
      if (head !== NONE) prev[head] = NONE;
      else tail = NONE;
      lruSize--;
      batch[n++] = f;
    }
    for (let k = 0; k < n; k++) {
      const f = batch[k] as number;
      const p = owner[f] as number;
      const bits = pte[p] as number;
      if ((bits & ACCESSED) !== 0) {
        pte[p] = bits & ~ACCESSED;
        addTail(f);
      } else {
        pte[p] = 0;
        free[nrFree++] = f;
      }
    }
  };
  // sgx_alloc_epc_page(): reclaim directly when nothing is free; below the low watermark, ksgxd
  // (here at once) reclaims until the high one, as sgx_should_reclaim() decides
  const load = (p: number): void => {
    if (nrFree === 0) reclaim();
    const f = free[--nrFree] as number;
    owner[f] = p;
    addTail(f);
    pte[p] = PRESENT;
    if (nrFree < SGX_NR_LOW_PAGES) while (nrFree < SGX_NR_HIGH_PAGES && lruSize > 0) reclaim();
  };

  for (let p = 0; p < distinct; p++) load(p);
  let misses = 0;
  for (let i = 0; i < requests; i++) {
    const p = page[i] as number;
    if (((pte[p] as number) & PRESENT) === 0) {
      misses++;
      load(p);
      if (!faultSetsAccessed) continue;
    }
    pte[p] = (pte[p] as number) | ACCESSED;
  }
  return { requests, misses, missRatio: requests === 0 ? 0 : misses / requests, batches };
}

// `node dist/bench/bare-loop.js TRACE BYTES [--fault-not-accessed]`: one line of JSON (the bench spawns it, as it does epcsim and cachesim)
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, bytes, flag] = process.argv.slice(2);
  if (file === undefined || bytes === undefined || (flag !== undefined && flag !== "--fault-not-accessed")) {
    console.error("usage: node dist/bench/bare-loop.js TRACE BYTES [--fault-not-accessed]");
    process.exit(2);
  }
  // one tenant over the whole trace, as the replay without --tenant-column
  const trace = readTrace(file, { ignoreTenants: true, ignoreTimes: true });
  const distinct = trace.distinctPages[0] as number;
  console.log(JSON.stringify(bareReplay(trace.page, trace.requests, distinct, Math.floor(Number(bytes) / 4096), flag === undefined)));
}
