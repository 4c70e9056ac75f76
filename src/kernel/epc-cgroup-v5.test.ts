// v5 sgx_epc_cgroup_try_charge(): what each refused attempt reports, down to the result the loop
// comes to (the sixth round that finds the subtree's LRUs empty returns ENOMEM, not a retry).
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveCosts } from "../hw/costs.js";
import { sgxSanitizeAtBoot } from "./alloc.js";
import { sgxEpcCgroupTryChargeV5, OOM_THRESHOLD } from "./epc-cgroup-v5.js";
import { ENOMEM } from "../lib/errno.js";
import { Sgx } from "./state.js";
import type { ChargeFailureEvent } from "./tracepoints.js";
import { enclave, FakeEnv, FakeTask } from "../testing/kernel-harness.js";
import type { Cgroup } from "../cgroup/misc.js";

function v5(pages: number): { sgx: Sgx; env: FakeEnv } {
  const env = new FakeEnv();
  const sgx = new Sgx(
    { sections: [{ size: pages * 4096, node: 0 }], numaNodes: 1, cpus: 2, sgx2: true, profile: "client-128m", costs: {} },
    resolveCosts("client-128m"),
    env,
    { eaugRaceFix: false, timedSanitize: false, schedQuantumNs: 4_000_000 },
    { generation: "v5", miscEvents: "pre-6.11" },
  );
  sgxSanitizeAtBoot(sgx);
  return { sgx, env };
}

test("v5 charge: a round whose LRU another reclaimer holds counts as empty; the sixth such round's attempt reports ENOMEM", () => {
  const { sgx, env } = v5(256);
  const a = sgx.cgroups.mkdir("/a") as Cgroup;
  const task = new FakeTask(1, null, 0, "t/0");
  task.cgroup = a;
  env.task = task;
  enclave(sgx, 64 * 1024, 4);
  // the limit is what the enclave holds: the next page is refused by /a's misc.max
  a.max = BigInt(a.usage);
  const lru = sgx.lruOfCgroup(a);
  assert.ok(lru.size > 0);
  // another reclaimer isolates /a's pages whenever this walk looks, and puts them back (young) after
  const held: number[] = [];
  sgx.onReclaimVisit = (c) => {
    if (c !== a) return;
    while (!lru.isEmpty()) held.push(lru.popHead());
  };
  let batchEnded = false;
  const events: ChargeFailureEvent[] = [];
  sgx.trace = { reclaimBatch: () => (batchEnded = true), chargeFailure: (e) => events.push(e) };
  const g = sgxEpcCgroupTryChargeV5(sgx, a, true);
  let r = g.next();
  while (r.done !== true) {
    // the first yield after the batch comes after sgx_epc_cgroup_reclaim_failed() saw the LRU empty
    if (batchEnded) for (const f of held.splice(0)) lru.addTail(f);
    batchEnded = false;
    r = g.next();
  }
  assert.equal(r.value, -ENOMEM);
  assert.equal(events.length, OOM_THRESHOLD + 1);
  assert.deepEqual(
    events.map((e) => e.result),
    [...new Array<string>(OOM_THRESHOLD).fill("EBUSY"), "ENOMEM"],
  );
  for (const e of events) assert.deepEqual([e.task, e.cgroup, e.failedAt, e.refusedBy, e.limitBytes, e.nothingToReclaim], ["t/0", "/a", "/a", "misc.max", Number(a.max), false]);
  assert.deepEqual(sgx.lastRefusal, { kind: "charge", ...events.at(-1) });
});
