import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALLOC_MUST_WAIT,
  archMemoryFailure,
  sgxAllocEpcPage,
  sgxAllocEpcPageAnyNode,
  sgxAllocEpcPageAtOnce,
  sgxAllocEpcPageNoReclaim,
  sgxFreeEpcPage,
  sgxMarkPageReclaimable,
  sgxUnmarkPageReclaimable,
} from "./alloc.js";
import { EBUSY, ENOMEM } from "../lib/errno.js";
import { ON_LRU, ON_NONE, OWNER_ENCL_PAGE, OWNER_VEPC } from "./epc-page.js";
import { drive, FakeTask, kernel } from "../testing/kernel-harness.js";
import type { Cgroup } from "../cgroup/misc.js";

test("the free list is a FIFO: frames come in address order, freed frames go to the tail", () => {
  const { sgx } = kernel(4);
  const a = sgxAllocEpcPageAnyNode(sgx);
  const b = sgxAllocEpcPageAnyNode(sgx);
  assert.deepEqual([a, b], [0, 1]);
  sgxFreeEpcPage(sgx, a);
  assert.deepEqual([sgxAllocEpcPageAnyNode(sgx), sgxAllocEpcPageAnyNode(sgx), sgxAllocEpcPageAnyNode(sgx)], [2, 3, 0]);
  assert.equal(sgxAllocEpcPageAnyNode(sgx), -ENOMEM);
  assert.equal(sgx.nrFree, 0);
});

test("allocation starts on the current CPU's node and wraps round the nodes with EPC", () => {
  const { sgx, env } = kernel(0, {
    nodes: 3,
    cpus: 6,
    sections: [
      { size: 2 * 4096, node: 0 },
      { size: 2 * 4096, node: 2 },
    ],
  });
  env.task = new FakeTask(1, null, 5); // CPU 5 is on node 2
  assert.equal(sgxAllocEpcPageAnyNode(sgx), 2);
  env.task = new FakeTask(1, null, 2); // CPU 2 is on node 1, which has no EPC: start at node 2
  assert.equal(sgxAllocEpcPageAnyNode(sgx), 3);
  assert.equal(sgxAllocEpcPageAnyNode(sgx), 0, "node 2 is empty: wrap to node 0");
});

test("without reclaim: ENOMEM when the LRU is empty (no wake-up), EBUSY and a wake-up otherwise", () => {
  const { sgx, env } = kernel(2);
  const f = sgxAllocEpcPageNoReclaim(sgx, OWNER_VEPC, 0);
  const g = sgxAllocEpcPageNoReclaim(sgx, OWNER_VEPC, 0);
  assert.deepEqual([f, g], [0, 1]);
  assert.equal(env.wakeups, 0, "free < 32 but the LRU is empty");
  assert.equal(sgxAllocEpcPageNoReclaim(sgx, OWNER_VEPC, 0), -ENOMEM);
  sgxMarkPageReclaimable(sgx, f);
  assert.equal(sgxAllocEpcPageNoReclaim(sgx, OWNER_VEPC, 0), -EBUSY);
  assert.equal(env.wakeups, 1);
});

test("the allocation at once takes the frame the generator would, and changes nothing when it must wait", () => {
  for (const generation of ["mainline", "v17"] as const) {
    const atOnce = kernel(40, { generation });
    const generator = kernel(40, { generation });
    // 40 frames: past the first 8, free < 32 and the LRU has pages, so both wake ksgxd alike
    for (let i = 0; i < 40; i++) {
      const f = sgxAllocEpcPageAtOnce(atOnce.sgx, OWNER_ENCL_PAGE, i);
      const g = drive(sgxAllocEpcPage(generator.sgx, OWNER_ENCL_PAGE, i));
      assert.equal(f, g, `${generation}: allocation ${i}`);
      sgxMarkPageReclaimable(atOnce.sgx, f);
      sgxMarkPageReclaimable(generator.sgx, g);
    }
    assert.equal(atOnce.env.wakeups, generator.env.wakeups);
    assert.ok(atOnce.env.wakeups > 0);
    assert.deepEqual([atOnce.sgx.nrFree, atOnce.sgx.paging.processEpc(0).pages], [generator.sgx.nrFree, generator.sgx.paging.processEpc(0).pages]);
    // no free frame: the generator would reclaim, so nothing is done here
    const before = { free: atOnce.sgx.nrFree, wakeups: atOnce.env.wakeups, usage: atOnce.sgx.cgroups.root.usage };
    assert.equal(sgxAllocEpcPageAtOnce(atOnce.sgx, OWNER_ENCL_PAGE, 99), ALLOC_MUST_WAIT);
    assert.deepEqual({ free: atOnce.sgx.nrFree, wakeups: atOnce.env.wakeups, usage: atOnce.sgx.cgroups.root.usage }, before);
  }
});

test("v17: a charge that does not fit leaves the allocation at once to the generator, with no event counted", () => {
  const { sgx, env } = kernel(64, { generation: "v17" });
  const a = sgx.cgroups.mkdir("/a") as Cgroup;
  const task = new FakeTask(1, null, 0, "t/0");
  task.cgroup = a;
  env.task = task;
  a.max = 2n * 4096n;
  assert.ok(sgxAllocEpcPageAtOnce(sgx, OWNER_ENCL_PAGE, 0) >= 0);
  assert.ok(sgxAllocEpcPageAtOnce(sgx, OWNER_ENCL_PAGE, 1) >= 0);
  assert.equal(sgx.cgroups.fits(a, 4096), false);
  const events = [a.events, a.eventsLocal, sgx.counters.chargeFailures];
  assert.equal(sgxAllocEpcPageAtOnce(sgx, OWNER_ENCL_PAGE, 2), ALLOC_MUST_WAIT);
  assert.deepEqual([a.usage, sgx.nrFree], [2 * 4096, 62]);
  assert.deepEqual([a.events, a.eventsLocal, sgx.counters.chargeFailures], events, "misc.events counts the generator's attempt only");
});

test("unmarking a page a reclaimer isolated fails with EBUSY", () => {
  const { sgx } = kernel(2);
  const f = sgxAllocEpcPageAnyNode(sgx);
  sgxMarkPageReclaimable(sgx, f);
  assert.equal(sgx.pages.list(f), ON_LRU);
  sgx.lru.popHead(); // isolated: tracked and off-list
  assert.equal(sgxUnmarkPageReclaimable(sgx, f), -EBUSY);
  sgx.lru.addTail(f);
  assert.equal(sgxUnmarkPageReclaimable(sgx, f), 0);
  assert.equal(sgx.pages.list(f), ON_NONE);
  assert.ok(!sgx.pages.isTracked(f));
});

test("memory failure: a free frame goes to the poison list and stays counted (Q1); an in-use one stays with its owner", () => {
  const { sgx } = kernel(4);
  assert.equal(archMemoryFailure(sgx, 3, false), 0);
  assert.equal(sgx.nrFree, 4, "the counter still counts the poisoned frame");
  const used = sgxAllocEpcPageAnyNode(sgx);
  sgxMarkPageReclaimable(sgx, used);
  archMemoryFailure(sgx, used, false);
  assert.equal(sgx.pages.list(used), ON_NONE, "taken off the LRU");
  sgxFreeEpcPage(sgx, used);
  assert.equal(sgx.nodes[0]?.poisonList.size, 2, "freed to the poison list");
  assert.equal(sgx.nrFree, 4);
  assert.deepEqual([sgxAllocEpcPageAnyNode(sgx), sgxAllocEpcPageAnyNode(sgx), sgxAllocEpcPageAnyNode(sgx)], [1, 2, -ENOMEM]);
  assert.equal(archMemoryFailure(sgx, 99, false) < 0, true, "not EPC: -ENXIO");
});
