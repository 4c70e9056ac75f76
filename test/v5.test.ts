// The v5 EPC cgroup (spec kernel-epc-cgroup.md §3): charging, the reclaim engine, the async work and
// the OOM path (§3.11) with its victim policies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSimulator } from "../src/programs/run.js";
import { access, build, machine, MiB, ms, PAGE, proc, run, scenario } from "../src/testing/builders.js";
import type { Scenario } from "../src/scenario/types.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { parseScenarioText } from "../src/scenario/load.js";

function v5(s: Scenario, path: string, pages: number): Scenario {
  return { ...s, kernel: "v5", cgroups: [{ path, writes: [{ file: "misc.max", value: `sgx_epc ${pages * PAGE}` }] }] };
}

test("v5: lowering misc.max below usage reclaims at once, down to L-9 pages (M4, §3.9-3.10)", () => {
  const steps = [...build(2 * MiB, 200), { op: "idle" as const, durationNs: 20 * ms }, { op: "exit" as const, code: 0 }];
  const s = v5(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), "/A", 256);
  s.events.push({ at: 5 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${100 * PAGE}` } });
  s.events.push({ at: 10 * ms, action: { type: "read", path: "/A/misc.current" } });
  const r = createSimulator(s, { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  const pages = Number((r.fileOps[2]?.text ?? "").split(" ")[1]) / PAGE;
  // the work's target for L = 100 pages is 100 - 1 - 8 = 91 pages; batches free up to 16 at a time
  assert.ok(pages <= 91 && pages > 91 - 32, `usage ${pages} pages after the write`);
  assert.equal(r.cgroups["/A"]?.files["misc.events"], "sgx_epc.max 0\n", "no charge failed: the reclaim was preemptive");
});

test("v5: an enclave paging within its limit, and faults retrying while the work reclaims", () => {
  const steps = [...build(2 * MiB, 200), run(1, access(199, 2000)), { op: "exit" as const, code: 0 }];
  const r = createSimulator(v5(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), "/A", 100), { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  assert.equal(r.processes[0]?.exitCode, 0);
  assert.ok(r.counters.cgroupWorkRuns > 0 && r.counters.EWB > 100);
  assert.equal(r.cgroups["/A"]?.current, 0);
});

function oomScenario(tracking: "secs+va" | "secs-only"): Scenario {
  const steps = [
    ...build(1 * MiB, 100),
    { op: "idle" as const, durationNs: 20 * ms },
    run(1, access(99, 100)),
    { op: "exit" as const, code: 0 },
  ];
  const s = v5(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), "/A", 256);
  s.options.unreclaimableTracking = tracking;
  // a limit of one page: the work reclaims every child (and so the SECS), then only VA pages are left
  s.events.push({ at: 5 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${PAGE}` } });
  return s;
}

test("v5 OOM: an enclave whose children and SECS are all paged out is found through its VA page (secs+va)", () => {
  const r = createSimulator(oomScenario("secs+va"), { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  assert.deepEqual(
    r.oom.map((o) => [o.cgroup, o.victim, o.trigger]),
    [["/A", "p", "write to /A/misc.max"]],
  );
  assert.equal(r.counters.oomKills, 1);
  assert.equal(r.processes[0]?.signal, "SIGBUS", "its next access faults on the zapped mapping");
  assert.equal(r.cgroups["/A"]?.current, 0, "its pages were freed when it died");
});

test("v5 OOM with secs-only tracking: the same enclave is invisible to the OOM path", () => {
  const r = createSimulator(oomScenario("secs-only"), { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  assert.deepEqual(r.oom, []);
  assert.equal(r.counters.oomKills, 0);
});

test("v5 OOM can kill while usage is below misc.max: the work aims at L-9 (§3.9)", () => {
  // 92 vEPC pages (charged, on no list) and an enclave of 2 pages + SECS + VA: 96 < 100, but once
  // the enclave is paged out its VA page keeps usage at 93 > 91, the work's target
  const enclaveSteps = [...build(1 * MiB, 2), { op: "idle" as const, durationNs: 30 * ms }, { op: "exit" as const, code: 0 }];
  const guest = [{ op: "vepc" as const, bytes: 92 * PAGE, touch: 92 * PAGE }, { op: "hold" as const, durationNs: null }, { op: "exit" as const, code: 0 }];
  const s = v5(scenario(machine(4 * MiB), [{ ...proc("e", enclaveSteps), cgroup: "/A" }, { ...proc("g", guest, 1 * ms), cgroup: "/A" }]), "/A", 256);
  s.events.push({ at: 10 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${100 * PAGE}` } });
  s.events.push({ at: 9 * ms, action: { type: "read", path: "/A/misc.current" } });
  const r = createSimulator(s, { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  const before = Number((r.fileOps.find((o) => o.op === "read")?.text ?? "").split(" ")[1]) / PAGE;
  assert.equal(before, 96, "usage is below the new limit of 100");
  assert.equal(r.oom.length, 1);
  assert.equal(r.oom[0]?.victim, "e");
});

test("v5 OOM victims follow recording order, and one overrun can kill several enclaves (R6)", () => {
  // A records VA0 and its SECS, then B does, then A's 512th page records A.VA1:
  // the list is A.VA0, A.SECS, B.VA0, B.SECS, A.VA1 (the kernel records a VA page when it is
  // allocated, before the SECS of the same ECREATE)
  const a = [
    ...build(4 * MiB, 100, { init: false }).filter((x) => x.op !== "mmap"),
    { op: "idle" as const, durationNs: 4 * ms },
    { op: "addPages" as const, offset: 100 * PAGE, length: 500 * PAGE, type: "REG" as const, perm: 7, measure: false, chunk: 500 * PAGE },
    { op: "init" as const },
    { op: "mmap" as const },
    { op: "idle" as const, durationNs: 30 * ms },
    run(1, access(99, 10)),
    { op: "exit" as const, code: 0 },
  ];
  const b = [...build(4 * MiB, 100), { op: "idle" as const, durationNs: 30 * ms }, run(1, access(99, 10)), { op: "exit" as const, code: 0 }];
  const s = v5(scenario(machine(8 * MiB), [{ ...proc("A", a), cgroup: "/G" }, { ...proc("B", b, 1 * ms), cgroup: "/G" }]), "/G", 2048);
  s.events.push({ at: 10 * ms, action: { type: "write", path: "/G/misc.max", value: `sgx_epc ${PAGE}` } });
  const r = createSimulator(s, { checkInvariants: true }).run();
  assert.deepEqual(r.invariants.violations, []);
  assert.equal(r.processes[0]?.failures.length, 0, "A grew past 511 pages before INIT");
  assert.equal(r.counters.EPA, 3, "A.VA0, B.VA0 and A.VA1");
  assert.deepEqual(
    r.oom.map((o) => o.victim),
    ["A", "B"],
    "A first (its VA0 heads the list), then B: two kills for one lowered limit",
  );
  assert.deepEqual(
    r.processes.map((p) => p.signal),
    ["SIGBUS", "SIGBUS"],
  );
  assert.equal(r.cgroups["/G"]?.current, 0);
});

test("v5 OOM under every victim policy: a victim that has not exited yet makes the work wait instead of spinning", () => {
  // the R6 conformance scenario: one overrun, two enclaves; list-order kills both (it consumes list
  // entries), the scoring policies pick one and wait for it to exit
  const file = fileURLToPath(new URL("../../test/conformance/R6-v5-oom-victim-order.yaml", import.meta.url));
  const c = parse(readFileSync(file, "utf8")) as { scenario: Record<string, unknown> };
  const victims: Record<string, string[]> = {};
  for (const policy of ["list-order", "most-epc", "least-recently-active"]) {
    const s = parseScenarioText(stringify({ ...c.scenario, kernel: "v5", policy: { oomVictim: policy } }), `R6 ${policy}`);
    const r = createSimulator(s, { checkInvariants: true, maxEvents: 2_000_000 }).run();
    assert.deepEqual(r.invariants.violations, [], policy);
    assert.ok(r.events < 2_000_000, `${policy}: the run ends (${r.events} events)`);
    assert.ok(r.processes.every((p) => p.exitCode !== null), `${policy}: every process exits`);
    victims[policy] = r.oom.map((o) => o.victim);
  }
  assert.deepEqual(victims, { "list-order": ["A", "B"], "most-epc": ["A"], "least-recently-active": ["A"] });
});
