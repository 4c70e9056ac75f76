import { test } from "node:test";
import { pteIndex } from "./encl-page.js";
import assert from "node:assert/strict";
import { enclMmSlot, enclVaPages, ptePresentBit, pteAccessedBit, sgxEnclMmAdd, sgxEnclMmRemove, sgxReclaimerAge, sgxVmaFault, VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from "./encl.js";
import { sgxReclaimPages } from "./reclaim.js";
import { Mm } from "./state.js";
import { PROT_R, PROT_W } from "./sgx.js";
import { drive, enclave, mapInto } from "../testing/kernel-harness.js";
import { kernel } from "../testing/kernel-harness.js";

test("VA pages: a new one goes to the head; eviction fills the first and moves it to the tail when full", () => {
  const { sgx } = kernel(4096);
  // 1100 pages + SECS need ceil(1101/512) = 3 VA pages
  const encl = enclave(sgx, 8 * 1024 * 1024, 1100);
  const vas = enclVaPages(encl);
  assert.equal(vas.length, 3);
  assert.deepEqual(vas, [2, 1, 0], "each new VA page was list_add()ed at the head");
  // evict 600 pages: the head VA page fills up after 512 and moves to the tail
  for (let i = 0; i < 38; i++) drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgx.counters.pagesReclaimed, 608);
  const after = enclVaPages(encl);
  assert.deepEqual(after, [1, 0, 2]);
  assert.equal(sgx.vaPages.used[2], 512);
  assert.equal(sgx.vaPages.used[1], 96);
});

test("ELDU frees the slot and moves its VA page to the head; the SECS is reloaded first", () => {
  const { sgx } = kernel(4096);
  const encl = enclave(sgx, 1024 * 1024, 20);
  const mm = new Mm(1);
  mapInto(encl, mm);
  while (encl.secsChildCnt > 0) drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgx.enclPages.frameOf(encl.secsPage), -1, "the SECS went with the last child");
  assert.equal(sgx.counters.secsEvicted, 1);
  const eldu = sgx.epcm.leaves.ELDU;
  assert.equal(sgxVmaFault(sgx, encl, 0, 5, PROT_R | PROT_W), VM_FAULT_NOPAGE);
  assert.equal(sgx.epcm.leaves.ELDU, eldu + 2, "SECS, then the page");
  const ep = encl.pageArray.get(5);
  assert.ok(sgx.enclPages.frameOf(ep) >= 0);
  assert.equal(sgx.enclPages.ptePlane(0)[pteIndex(ep)], ptePresentBit(0), "mapped with the A-bit cleared (Q17)");
  assert.equal(encl.secsChildCnt, 1);
});

test("a fault with a VMA protection beyond the page's gets SIGBUS; an unknown page without SGX2 too", () => {
  const { sgx } = kernel(64);
  const encl = enclave(sgx, 1024 * 1024, 4);
  mapInto(encl, new Mm(1));
  sgx.enclPages.setMaxProt(encl.pageArray.get(0), PROT_R);
  assert.equal(sgxVmaFault(sgx, encl, 0, 0, PROT_R | PROT_W), VM_FAULT_SIGBUS);
  (sgx.machine as { sgx2: boolean }).sgx2 = false;
  assert.equal(sgxVmaFault(sgx, encl, 0, 50, PROT_R), VM_FAULT_SIGBUS);
});

test("aging walks the mms newest first and stops at the first young one (Q8)", () => {
  const { sgx } = kernel(64);
  const encl = enclave(sgx, 1024 * 1024, 1);
  const older = new Mm(1);
  const newer = new Mm(2);
  mapInto(encl, older); // slot 0
  mapInto(encl, newer); // slot 1, at the head of mm_list
  const ep = encl.pageArray.get(0);
  sgx.enclPages.ptePlane(0)[pteIndex(ep)] = pteAccessedBit(0) | pteAccessedBit(1);
  assert.equal(sgxReclaimerAge(sgx, encl, ep), false);
  assert.equal(sgx.enclPages.ptePlane(0)[pteIndex(ep)], pteAccessedBit(0), "only the newer mm's bit was cleared");
  assert.equal(sgxReclaimerAge(sgx, encl, ep), false);
  assert.equal(sgxReclaimerAge(sgx, encl, ep), true);
});

test("an EAUG'd page is mapped young, a reloaded one old, so only the first survives a scan before the retried access (Q17)", () => {
  const { sgx } = kernel(4096);
  const encl = enclave(sgx, 1024 * 1024, 4);
  mapInto(encl, new Mm(1));
  // page 10 has no entry: the SGX2 fault EAUGs it and maps it with the A-bit of the new PTE kept
  assert.equal(sgxVmaFault(sgx, encl, 0, 10, PROT_R | PROT_W), VM_FAULT_NOPAGE);
  const eaugd = encl.pageArray.get(10);
  assert.equal(sgx.enclPages.ptePlane(0)[pteIndex(eaugd)], ptePresentBit(0) | pteAccessedBit(0));
  assert.equal(sgxReclaimerAge(sgx, encl, eaugd), false, "young: the reclaimer would rotate it");
  // an evicted page reloaded by the fault path is mapped with the A-bit cleared
  while (encl.secsChildCnt > 0) drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgxVmaFault(sgx, encl, 0, 0, PROT_R | PROT_W), VM_FAULT_NOPAGE);
  const reloaded = encl.pageArray.get(0);
  assert.equal(sgx.enclPages.ptePlane(0)[pteIndex(reloaded)], ptePresentBit(0));
  assert.equal(sgxReclaimerAge(sgx, encl, reloaded), true, "old: the reclaimer would take it");
});

test("any number of mms: the 20th gets slot 19 in a further PTE plane, and its bits are its own", () => {
  const { sgx } = kernel(64);
  const encl = enclave(sgx, 1024 * 1024, 2);
  const mms = Array.from({ length: 20 }, (_, i) => new Mm(i + 1));
  for (const mm of mms) assert.equal(sgxEnclMmAdd(encl, mm), 0);
  assert.equal(encl.mmList.length, 20);
  assert.equal(enclMmSlot(encl, mms[19] as Mm), 19);
  const ep = encl.pageArray.get(1);
  assert.equal(sgxVmaFault(sgx, encl, 19, 1, PROT_R), VM_FAULT_NOPAGE);
  const plane = sgx.enclPages.ptePlane(19);
  assert.notEqual(plane, sgx.enclPages.ptePlane(0));
  assert.equal(plane[pteIndex(ep)], ptePresentBit(19), "present for slot 19, which is bit pair 3 of its plane");
  assert.equal(sgx.enclPages.ptePlane(0)[pteIndex(ep)], 0, "slots 0-7 untouched");
  assert.equal(sgx.enclPages.ptePlane(3)[ep], 0, "slot 3 shares bit positions with slot 19 but not the plane");
  plane[pteIndex(ep)] = (plane[pteIndex(ep)] as number) | pteAccessedBit(19);
  // the newest mm (slot 19) is at the head of mm_list: aging finds it young and clears its bit
  assert.equal(sgxReclaimerAge(sgx, encl, ep), false);
  assert.equal(plane[pteIndex(ep)], ptePresentBit(19));
  sgxEnclMmRemove(sgx, encl, mms[19] as Mm);
  assert.equal(plane[pteIndex(ep)], 0, "its PTE went with the mm");
});
