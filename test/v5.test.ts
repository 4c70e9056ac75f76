// The v5 EPC cgroup (spec kernel-epc-cgroup.md §3), as far as it is built: charging, the reclaim
// engine and the async work. The OOM path (§3.11) comes with issue 4.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulator } from "../src/engine/sim.js";
import { access, build, machine, MiB, ms, PAGE, proc, run, scenario } from "../src/testing/builders.js";
import type { Scenario } from "../src/scenario/types.js";

function v5(s: Scenario, path: string, pages: number): Scenario {
  return { ...s, kernel: "v5", cgroups: [{ path, writes: [{ file: "misc.max", value: `sgx_epc ${pages * PAGE}` }] }] };
}

test("v5: lowering misc.max below usage reclaims at once, down to L-9 pages (M4, §3.9-3.10)", () => {
  const steps = [...build(2 * MiB, 200), { op: "idle" as const, durationNs: 20 * ms }, { op: "exit" as const, code: 0 }];
  const s = v5(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), "/A", 256);
  s.events.push({ at: 5 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${100 * PAGE}` } });
  s.events.push({ at: 10 * ms, action: { type: "read", path: "/A/misc.current" } });
  const r = new Simulator(s, { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  const pages = Number((r.fileOps[2]?.text ?? "").split(" ")[1]) / PAGE;
  // the work's target for L = 100 pages is 100 - 1 - 8 = 91 pages; batches free up to 16 at a time
  assert.ok(pages <= 91 && pages > 91 - 32, `usage ${pages} pages after the write`);
  assert.equal(r.cgroups["/A"]?.files["misc.events"], "sgx_epc.max 0\n", "no charge failed: the reclaim was preemptive");
});

test("v5: an enclave paging within its limit, and faults retrying while the work reclaims", () => {
  const steps = [...build(2 * MiB, 200), run(1, access(199, 2000)), { op: "exit" as const, code: 0 }];
  const r = new Simulator(v5(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), "/A", 100), { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  assert.equal(r.processes[0]?.exitCode, 0);
  assert.ok(r.counters.cgroupWorkRuns > 0 && r.counters.EWB > 100);
  assert.equal(r.cgroups["/A"]?.current, 0);
});
