import { test } from "node:test";
import { pteIndex } from "./encl-page.js";
import assert from "node:assert/strict";
import { pteAccessedBit, sgxEnclAllocBacking, sgxVmaFault, VM_FAULT_NOPAGE } from "./encl.js";
import { memcg, memoryMaxWrite } from "../cgroup/memory.js";
import type { Cgroup } from "../cgroup/misc.js";
import { ENOMEM } from "../lib/errno.js";
import { PROT_R } from "./sgx.js";
import { ksgxd, sgxReclaimPages } from "./reclaim.js";
import { Mm } from "./state.js";
import { drive, enclave, FakeTask, kernel, mapInto } from "../testing/kernel-harness.js";
import { KernelOops } from "./bug.js";

test("a batch isolates 16 pages from the LRU head, rotates young ones to the tail and writes the rest back", () => {
  const { sgx } = kernel(256);
  const encl = enclave(sgx, 1024 * 1024, 40);
  mapInto(encl, new Mm(1));
  const head = sgx.lru.toArray().slice(0, 16);
  // pages 0 and 3 were accessed since the last scan
  for (const i of [0, 3]) sgx.enclPages.ptePlane(0)[pteIndex(encl.pageArray.get(i))] = pteAccessedBit(0);
  const free = sgx.nrFree;
  assert.equal(drive(sgxReclaimPages(sgx, sgx.lru)), 16);
  assert.equal(sgx.nrFree, free + 14);
  assert.deepEqual(sgx.lru.toArray().slice(-2), [head[0], head[3]], "the young pages went to the tail, in order");
  assert.equal(sgx.epcm.leaves.EBLOCK, 14);
  assert.equal(sgx.epcm.leaves.ETRACK, 1, "one ETRACK for the enclave's whole batch");
  assert.equal(sgx.epcm.leaves.EWB, 15, "the first EWB was NOT_TRACKED, the rest succeeded first time");
  assert.equal(sgx.counters.ipi, 0, "no CPU was inside the enclave");
});

test("when a thread is inside the enclave the third EWB follows an IPI round", () => {
  const { sgx, env } = kernel(256);
  const encl = enclave(sgx, 1024 * 1024, 20);
  const mm = new Mm(1);
  mapInto(encl, mm);
  const t = new FakeTask(7, mm, 1);
  mm.running.add(t);
  t.insideSecs = encl.secs;
  encl.secs.inside.add(t);
  drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgx.counters.ipi, 1);
  assert.deepEqual(env.interrupted, [t]);
  assert.equal(sgx.epcm.leaves.EWB, 16 + 2);
  assert.equal(t.insideSecs, null, "the IPI forced an AEX");
});

test("ksgxd reclaims batch after batch while fewer than 64 pages are free, then sleeps", () => {
  const { sgx } = kernel(300);
  enclave(sgx, 2 * 1024 * 1024, 280);
  assert.ok(sgx.nrFree < 64);
  drive(ksgxd(sgx));
  assert.ok(sgx.nrFree >= 64 && sgx.nrFree < 64 + 16, `free ${sgx.nrFree}`);
});

test("pages of an enclave whose refcount hit zero are dropped from the LRU, not written back", () => {
  const { sgx } = kernel(64);
  const encl = enclave(sgx, 1024 * 1024, 4);
  encl.refcount = 0; // release is running
  drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgx.epcm.leaves.EWB, 0);
  assert.equal(sgx.lru.size, 0);
  for (let i = 0; i < 4; i++) assert.ok(!sgx.pages.isTracked(sgx.enclPages.frameOf(encl.pageArray.get(i))));
});

test("a page whose first EWB failed has no VA page: its reload oopses in __sgx_encl_eldu, one evicted before only fails", () => {
  const { sgx } = kernel(256);
  const encl = enclave(sgx, 1024 * 1024, 20);
  mapInto(encl, new Mm(1));
  const [first, second] = sgx.lru.toArray();
  const p0 = sgx.pages.ownerOf(first as number);
  const p1 = sgx.pages.ownerOf(second as number);
  sgx.epcm.injectFailures("EWB", 1);
  drive(sgxReclaimPages(sgx, sgx.lru));
  assert.equal(sgx.enclPages.vaPageOf(p0), -1, "the failed EWB left va_page unset");
  assert.ok(sgx.enclPages.vaPageOf(p1) >= 0, "the next page got one");
  const idx0 = sgx.enclPages.index(p0);
  assert.throws(() => sgxVmaFault(sgx, encl, 0, idx0, PROT_R), (e: unknown) => e instanceof KernelOops && e.fn === "__sgx_encl_eldu");
  assert.equal(sgx.epcm.leaves.ELDU, 0, "the oops comes before ELDU");
  assert.equal(sgxVmaFault(sgx, encl, 0, sgx.enclPages.index(p1), PROT_R), VM_FAULT_NOPAGE, "an evicted page reloads");
});

test("a backing charge over memory.max retries 17 times before the memcg OOM killer and fails when it finds no one", () => {
  const { sgx, env } = kernel(256);
  const encl = enclave(sgx, 1024 * 1024, 4);
  const cg = sgx.cgroups.mkdir("/m") as Cgroup;
  assert.equal(memoryMaxWrite(cg, "0"), 0);
  const task = new FakeTask(1, new Mm(1));
  task.cgroup = cg;
  env.task = task;
  const r = drive(sgxEnclAllocBacking(sgx, encl, 0));
  assert.equal(r, -ENOMEM);
  assert.equal(memcg(cg).max, 18, "the attempt, the retry after the drain, 16 retries: each raises max");
  assert.deepEqual(env.ooms, [cg], "then one OOM call, which found no one");
  assert.equal(sgx.counters.memcgChargeFailures, 1);
  assert.equal(encl.backingPages(), 0, "no page was created");
});
