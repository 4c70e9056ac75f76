// The kernel's retry loops report each round to the simulator's livelock guard (KernelEnv.kernelLoop):
// a round without progress adds to the loop's count, progress and the loop's end start it over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryMaxWrite } from "../cgroup/memory.js";
import type { Cgroup } from "../cgroup/misc.js";
import { drive, enclave, FakeEnv, FakeTask, kernel } from "../testing/kernel-harness.js";
import type { KernelGeneration } from "./config.js";
import { ALLOC_RECLAIM_LOOP, sgxAllocEpcPage } from "./alloc.js";
import { sgxCgroupTryCharge, V17_CHARGE_LOOP } from "./epc-cgroup.js";
import { sgxEpcCgroupTryChargeV5, V5_CHARGE_LOOP } from "./epc-cgroup-v5.js";
import { MEMCG_CHARGE_LOOP, sgxEnclAllocBacking } from "./encl.js";
import { OWNER_ENCL_PAGE } from "./epc-page.js";
import { ksgxd, KSGXD_LOOP } from "./reclaim.js";
import { Mm, type Sgx } from "./state.js";

/** runs `g` for `steps` yields; true if it is still going */
function spin<T>(g: Generator<number, T>, steps: number): boolean {
  for (let i = 0; i < steps; i++) if (g.next().done === true) return false;
  return true;
}

/**
 * /a full with an enclave of reclaimable pages whose backing store cannot be charged (memory.max 0,
 * and the harness's memcg OOM killer finds no one): every reclaim round frees nothing
 */
function fullCgroup(generation: KernelGeneration, limitPages?: number): { sgx: Sgx; env: FakeEnv; cg: Cgroup } {
  const { sgx, env } = kernel(64, { generation });
  const cg = sgx.cgroups.mkdir("/a") as Cgroup;
  const task = new FakeTask(1, new Mm(1));
  task.cgroup = cg;
  env.task = task;
  enclave(sgx, 64 * 1024, 8);
  if (generation !== "mainline") assert.equal(sgx.cgroups.writeMax(cg, `sgx_epc ${limitPages === undefined ? cg.usage : limitPages * 4096}`), 0);
  assert.equal(memoryMaxWrite(cg, "0"), 0);
  return { sgx, env, cg };
}

for (const [generation, loop, charge] of [
  ["v17", V17_CHARGE_LOOP, (sgx: Sgx, cg: Cgroup) => sgxCgroupTryCharge(sgx, cg)],
  ["v5", V5_CHARGE_LOOP, (sgx: Sgx, cg: Cgroup) => sgxEpcCgroupTryChargeV5(sgx, cg, true)],
] as const) {
  test(`${generation}: a charge whose reclaim frees nothing counts its rounds; once it frees a page the count starts over`, () => {
    const { sgx, env, cg } = fullCgroup(generation);
    const g = charge(sgx, cg);
    assert.ok(spin(g, 20_000), "the charge loop goes on");
    const rounds = env.loops.get(loop) ?? 0;
    assert.ok(rounds >= 20, `${rounds} rounds without progress`);
    assert.ok(sgx.counters.memcgChargeFailures >= rounds, "each round's backing charges failed");
    // the memcg loop inside each round ends (no one to kill): its own count never builds up past one loop's 18 attempts
    assert.ok((env.loops.get(MEMCG_CHARGE_LOOP) ?? 0) <= 18);
    // backing store again: the next round writes a page back, and the charge gets it
    assert.equal(memoryMaxWrite(cg, "max"), 0);
    assert.equal(spin(g, 20_000), false);
    assert.equal(env.loops.get(loop), undefined, "progress, then the loop's end: the count is gone");
  });
}

test("mainline: sgx_alloc_epc_page()'s reclaim loop and ksgxd count rounds that free nothing", () => {
  const { sgx, env } = fullCgroup("mainline");
  // the rest of the EPC taken, so that an allocation finds no free page
  for (;;) {
    const f = drive(sgxAllocEpcPage(sgx, OWNER_ENCL_PAGE, 0));
    if (f < 0 || sgx.nrFree === 0) break;
  }
  assert.equal(sgx.nrFree, 0);
  assert.ok(spin(sgxAllocEpcPage(sgx, OWNER_ENCL_PAGE, 0), 20_000));
  assert.ok((env.loops.get(ALLOC_RECLAIM_LOOP) ?? 0) >= 20);
  assert.ok(spin(ksgxd(sgx), 20_000), "ksgxd goes on too: free stays under 64");
  assert.ok((env.loops.get(KSGXD_LOOP) ?? 0) >= 20);
});

test("try_charge_memcg(): an OOM killer that waits for a victim still exiting is no progress; a kill is", () => {
  for (const kills of [false, true]) {
    const { sgx, env } = kernel(64);
    const cg = sgx.cgroups.mkdir("/m") as Cgroup;
    const task = new FakeTask(1, new Mm(1));
    task.cgroup = cg;
    env.task = task;
    const encl = enclave(sgx, 64 * 1024, 2);
    assert.equal(memoryMaxWrite(cg, "0"), 0);
    env.memcgOom = (): boolean => {
      if (kills) sgx.counters.memcgOomKills++;
      return true;
    };
    assert.ok(spin(sgxEnclAllocBacking(sgx, encl, 0), 200), "the charge is retried forever");
    const n = env.loops.get(MEMCG_CHARGE_LOOP) ?? 0;
    if (kills) assert.ok(n <= 17, `${n}: a kill every 17 attempts starts the count over`);
    else assert.ok(n >= 150, `${n} attempts in a row without progress`);
  }
});
