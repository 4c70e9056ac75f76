// Invariants of the driver's state (spec 16.2 and what else must hold), checked after every event
// when checking is on. Each violation is a full sentence naming the object and the rule.
import { EP_HOLDS_SLOT, EP_LOST } from "../kernel/encl-page.js";
import { enclVaPages } from "../kernel/encl.js";
import {
  EpcPages,
  LIST_NAMES,
  ON_DIRTY,
  ON_FREE,
  ON_LRU,
  ON_NONE,
  ON_POISON,
  ON_UNRECLAIMABLE,
  ON_UNTOUCHED,
  ON_ZOMBIE,
  OWNER_ENCL_PAGE,
  OWNER_VA,
  OWNER_VEPC,
} from "../kernel/epc-page.js";
import { SGX_ENCL_INITIALIZED, SGX_ENCL_PAGE_VA_OFFSET_MASK, SGX_PAGE_TYPE_SECS, SGX_PAGE_TYPE_VA, SGX_VA_SLOT_COUNT } from "../kernel/sgx.js";
import type { Sgx } from "../kernel/state.js";

function checkList(pages: EpcPages, name: string, head: number, size: number, tag: number, out: string[]): void {
  let n = 0;
  let prev = -1;
  for (let f = head; f >= 0; f = pages.nextOf(f)) {
    if (pages.list(f) !== tag) out.push(`Frame ${f} is linked on the ${name} but tagged ${LIST_NAMES[pages.list(f)]}.`);
    if (pages.prevOf(f) !== prev) out.push(`Frame ${f} on the ${name} has a broken prev link.`);
    prev = f;
    if (++n > size) {
      out.push(`The ${name} holds more frames than its size ${size} (or has a cycle).`);
      return;
    }
  }
  if (n !== size) out.push(`The ${name} links ${n} frames but records size ${size}.`);
}

export function checkInvariants(sgx: Sgx): string[] {
  const out: string[] = [];
  const pages = sgx.pages;
  const ep = sgx.enclPages;
  const va = sgx.vaPages;

  // lists: linkage and sizes; every page on a cgroup's LRU is charged to that cgroup
  let lruTotal = 0;
  sgx.lrus.forEach((lru, id) => {
    if (lru === undefined) return;
    const name = id === 0 ? "global LRU" : `LRU of cgroup ${sgx.cgroups.all[id]?.path}`;
    checkList(pages, name, lru.head, lru.size, ON_LRU, out);
    lruTotal += lru.size;
    if (sgx.epcCgroups) {
      for (let f = lru.head; f >= 0; f = pages.nextOf(f)) {
        if (sgx.frameCg(f) !== id + 1) out.push(`Frame ${f} is on the ${name} but charged to cgroup id ${sgx.frameCg(f) - 1}.`);
      }
    }
  });
  let untouched = 0;
  let freeListed = 0;
  let poisoned = 0;
  for (const node of sgx.nodes) {
    checkList(pages, `free list of node ${node.id}`, node.freeList.head, node.freeList.size, ON_FREE, out);
    checkList(pages, `poison list of node ${node.id}`, node.poisonList.head, node.poisonList.size, ON_POISON, out);
    untouched += node.untouchedLeft;
    freeListed += node.freeList.size;
    poisoned += node.poisonList.size;
  }

  // every frame is in exactly one state; count by state
  const byList = new Array<number>(LIST_NAMES.length).fill(0);
  for (let f = 0; f < sgx.totalPages; f++) {
    const tag = pages.list(f);
    byList[tag] = (byList[tag] as number) + 1;
    const tracked = pages.isTracked(f);
    if (tag === ON_LRU && !tracked) out.push(`Frame ${f} is on the LRU without RECLAIMER_TRACKED.`);
    if (tracked && tag !== ON_LRU && tag !== ON_NONE) out.push(`Frame ${f} is RECLAIMER_TRACKED but ${LIST_NAMES[tag]}.`);
    if (tag === ON_LRU) {
      const e = pages.ownerOf(f);
      if (pages.ownerKind(f) !== OWNER_ENCL_PAGE || ep.frameOf(e) !== f || ep.type(e) === SGX_PAGE_TYPE_SECS)
        out.push(`Frame ${f} is on the LRU but is not the resident frame of a child page.`);
    }
    if ((tag === ON_FREE || tag === ON_UNTOUCHED) && sgx.epcm.isValid(f) && !sgx.ewbLostFrames.has(f)) out.push(`Free frame ${f} is still valid in the EPCM.`);
  }
  if (byList[ON_UNTOUCHED] !== untouched)
    out.push(`${byList[ON_UNTOUCHED]} frames are tagged untouched-free but the nodes count ${untouched}.`);
  if (byList[ON_DIRTY] !== sgx.dirtyLeft) out.push(`${byList[ON_DIRTY]} frames are tagged dirty but ${sgx.dirtyLeft} await sanitization.`);
  if (byList[ON_FREE] !== freeListed) out.push(`${byList[ON_FREE]} frames are tagged free but the free lists hold ${freeListed}.`);
  if (byList[ON_POISON] !== poisoned) out.push(`${byList[ON_POISON]} frames are tagged poison but the poison lists hold ${poisoned}.`);
  if (byList[ON_LRU] !== lruTotal) out.push(`${byList[ON_LRU]} frames are tagged LRU but the LRUs hold ${lruTotal}.`);
  checkCharges(sgx, out);
  // sgx_nr_free_pages = frames freed - frames allocated (quirk Q1: poisoned frees count)
  const inUse =
    (byList[ON_NONE] as number) +
    (byList[ON_LRU] as number) +
    (byList[ON_ZOMBIE] as number) +
    (byList[ON_DIRTY] as number) +
    (byList[ON_UNRECLAIMABLE] as number);
  // v5: unreclaimable lists hold only SECS and VA pages, each on its own cgroup's list
  let unreclaimableTotal = 0;
  sgx.unreclaimables.forEach((list, id) => {
    if (list === undefined) return;
    checkList(pages, `unreclaimable list of cgroup ${sgx.cgroups.all[id]?.path}`, list.head, list.size, ON_UNRECLAIMABLE, out);
    unreclaimableTotal += list.size;
    for (let f = list.head; f >= 0; f = pages.nextOf(f)) {
      const kind = pages.ownerKind(f);
      const isSecs = kind === OWNER_ENCL_PAGE && ep.type(pages.ownerOf(f)) === SGX_PAGE_TYPE_SECS;
      if (kind !== OWNER_VA && !isSecs) out.push(`Frame ${f} is UNRECLAIMABLE but neither a SECS nor a VA page.`);
      if (Math.max(sgx.frameCg(f) - 1, 0) !== id) out.push(`Frame ${f} is on the unreclaimable list of another cgroup than its charge.`);
    }
  });
  if (byList[ON_UNRECLAIMABLE] !== unreclaimableTotal)
    out.push(`${byList[ON_UNRECLAIMABLE]} frames are tagged unreclaimable but the lists hold ${unreclaimableTotal}.`);
  const counted = sgx.totalPages - inUse - sgx.poisonedUncounted;
  if (sgx.nrFree !== counted) out.push(`sgx_nr_free_pages is ${sgx.nrFree} but ${counted} frames were freed and not reallocated.`);

  // enclaves
  for (const encl of sgx.encls) {
    if (encl === undefined || encl.released) continue;
    const name = `Enclave ${encl.id} (${encl.ownerName})`;
    let resident = 0;
    let slotHolders = 0;
    encl.pageArray.forEach(0, encl.secsIndex, (index, e) => {
      if (ep.enclOf(e) !== encl.id) out.push(`${name}: page index ${index} points at a descriptor of another enclave.`);
      const frame = ep.frameOf(e);
      if (frame >= 0) {
        resident++;
        if (pages.ownerOf(frame) !== e || pages.ownerKind(frame) !== OWNER_ENCL_PAGE)
          out.push(`${name}: frame ${frame} of page ${index} is not owned by that page.`);
        if (!sgx.epcm.isValid(frame)) out.push(`${name}: resident page ${index} has an invalid EPCM entry.`);
        else if (sgx.epcm.owner(frame) !== encl.id) out.push(`${name}: the EPCM says frame ${frame} of page ${index} belongs to enclave ${sgx.epcm.owner(frame)}.`);
      } else {
        const flags = ep.flagsOf(e);
        if ((flags & EP_HOLDS_SLOT) !== 0) {
          slotHolders++;
          const v = ep.vaPageOf(e);
          const off = ep.descOf(e) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
          if (v < 0 || va.encl[v] !== encl.id || !va.isSlotUsed(v, off)) out.push(`${name}: evicted page ${index} does not own a VA slot.`);
        }
        if ((flags & EP_LOST) === 0) {
          if ((flags & EP_HOLDS_SLOT) === 0) out.push(`${name}: evicted page ${index} holds no VA slot.`);
          if (encl.backingContents.get(index) < 0) out.push(`${name}: evicted page ${index} has no backing page.`);
          if (encl.backingPcmd.get(Math.floor(index / 32)) < 1) out.push(`${name}: evicted page ${index} has no PCMD entry.`);
        }
      }
    });
    // secs_child_cnt counts resident children, plus what failed EEXTENDs leaked (quirk Q2)
    const childCnt = encl.secsChildCnt - encl.leakedChildCnt;
    if (resident !== childCnt) out.push(`${name}: secs_child_cnt is ${encl.secsChildCnt} but ${resident} child pages are resident.`);
    // ... and the EPCM also counts children whose failed EWB left them valid in a freed frame (Q3)
    if (encl.secs.children !== childCnt + encl.ewbLostChildren)
      out.push(`${name}: the EPCM holds ${encl.secs.children} valid children but secs_child_cnt is ${encl.secsChildCnt}.`);
    const secsFrame = ep.frameOf(encl.secsPage);
    if (encl.size > 0 && secsFrame < 0) {
      slotHolders++;
      if ((encl.flags & SGX_ENCL_INITIALIZED) === 0 || childCnt !== 0)
        out.push(`${name}: the SECS is evicted but the enclave is not initialized or still has resident children.`);
    }
    if (secsFrame >= 0 && (sgx.epcm.type(secsFrame) !== SGX_PAGE_TYPE_SECS || sgx.epcm.owner(secsFrame) !== encl.id))
      out.push(`${name}: the SECS frame ${secsFrame} is not a SECS in the EPCM.`);
    const vas = enclVaPages(encl);
    if (vas.length !== encl.vaPages.size) out.push(`${name}: the VA list links ${vas.length} pages but counts ${encl.vaPages.size}.`);
    if (SGX_VA_SLOT_COUNT * vas.length < encl.pageCnt)
      out.push(`${name}: ${vas.length} VA pages cannot hold page_cnt ${encl.pageCnt} slots.`);
    let slots = 0;
    let seenFull = false;
    for (const v of vas) {
      slots += va.used[v] as number;
      const f = va.frame[v] as number;
      if (f < 0 || pages.ownerKind(f) !== OWNER_VA || pages.ownerOf(f) !== v || sgx.epcm.type(f) !== SGX_PAGE_TYPE_VA)
        out.push(`${name}: VA page ${v} is not backed by a VA frame it owns.`);
      if (va.isFull(v)) seenFull = true;
      else if (seenFull) out.push(`${name}: a VA page with free slots follows a full one.`);
    }
    if (slots !== slotHolders) out.push(`${name}: ${slots} VA slots are in use for ${slotHolders} evicted pages.`);
  }

  // owners of allocated frames
  for (let f = 0; f < sgx.totalPages; f++) {
    const tag = pages.list(f);
    if (tag !== ON_NONE && tag !== ON_UNRECLAIMABLE) continue;
    const kind = pages.ownerKind(f);
    if (kind === OWNER_ENCL_PAGE) {
      const e = pages.ownerOf(f);
      if (ep.frameOf(e) !== f && !pages.isTracked(f)) {
        // a frame between allocation and install (ioctl in progress) or leaked by EREMOVE
        continue;
      }
      if (pages.isTracked(f) && ep.type(e) === SGX_PAGE_TYPE_SECS) out.push(`Frame ${f}: a SECS page is RECLAIMER_TRACKED.`);
    } else if (kind === OWNER_VEPC) {
      const v = sgx.vepcs[pages.ownerOf(f)];
      if (v === undefined || v.released) out.push(`Frame ${f} belongs to a released vEPC.`);
    }
  }
  return out;
}


/** misc usage at every level = 4096 x the pages charged in its subtree; the root stays within capacity */
function checkCharges(sgx: Sgx, out: string[]): void {
  const tree = sgx.cgroups;
  const own = new Array<number>(tree.all.length).fill(0);
  for (let f = 0; f < sgx.totalPages; f++) {
    const id = sgx.frameCg(f);
    if (id !== 0) own[id - 1] = (own[id - 1] as number) + 1;
  }
  sgx.chargesInFlight.forEach((n, id) => (own[id] = (own[id] as number) + n));
  const subtreePages = new Array<number>(tree.all.length).fill(0);
  for (const cg of tree.all) {
    for (let c: typeof cg | null = cg; c !== null; c = c.parent) subtreePages[c.id] = (subtreePages[c.id] as number) + (own[cg.id] as number);
  }
  for (const cg of tree.all) {
    const expected = (subtreePages[cg.id] as number) * 4096;
    if (cg.usage !== expected && !(cg.dying && cg.usage === 0 && expected === 0))
      out.push(`Cgroup ${cg.path}: misc usage is ${cg.usage} bytes but ${expected / 4096} pages are charged in its subtree.`);
  }
  if (tree.capacity > 0 && tree.root.usage > tree.capacity) out.push(`The root's sgx_epc usage ${tree.root.usage} exceeds the capacity ${tree.capacity}.`);
}
