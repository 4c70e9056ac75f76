// Scenario tests of the mainline driver with results derived by hand from the spec
// (shared/spec/kernel-sgx-core.md); every run checks the invariants after every event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSimulator } from "../src/programs/run.js";
import type { Simulator } from "../src/engine/sim.js";
import { OWNER_ENCL_PAGE, OWNER_VA } from "../src/kernel/epc-page.js";
import { SGX_PAGE_TYPE_SECS, SGX_PAGE_TYPE_VA } from "../src/kernel/sgx.js";
import { access, build, machine, MiB, ms, PAGE, proc, run, scenario } from "../src/testing/builders.js";
import type { Scenario } from "../src/scenario/types.js";

function simulate(s: Scenario): { sim: Simulator; summary: ReturnType<Simulator["run"]> } {
  const sim = createSimulator(s, { checkInvariants: true });
  const summary = sim.run();
  assert.deepEqual(summary.invariants.violations, [], "invariant violations");
  return { sim, summary };
}

test("ECREATE takes two frames, the VA page first (Q16)", () => {
  const s = scenario(machine(1 * MiB), [proc("a", [{ op: "create", size: 64 * 1024, debug: false }, { op: "idle", durationNs: 10 * ms }, { op: "exit", code: 0 }])], {
    untilNs: 5 * ms,
  });
  const { sim } = simulate(s);
  const sgx = sim.sgx;
  assert.equal(sgx.totalPages - sgx.nrFree, 2);
  // frames are handed out from the head of the free list, in ascending order
  assert.equal(sgx.pages.ownerKind(0), OWNER_VA);
  assert.equal(sgx.epcm.type(0), SGX_PAGE_TYPE_VA);
  assert.equal(sgx.pages.ownerKind(1), OWNER_ENCL_PAGE);
  assert.equal(sgx.epcm.type(1), SGX_PAGE_TYPE_SECS);
  assert.equal(sgx.epcm.leaves.EPA, 1);
  assert.equal(sgx.epcm.leaves.ECREATE, 1);
});

for (const n of [1, 510, 511, 512, 1000, 1023, 1024]) {
  test(`an enclave of ${n} added pages that fits occupies N + 1 + ceil((N+1)/512) frames`, () => {
    const steps = [...build(8 * MiB, n), { op: "idle" as const, durationNs: 10 * ms }, { op: "exit" as const, code: 0 }];
    const { sim, summary } = simulate(scenario(machine(16 * MiB), [proc("a", steps)], { untilNs: 5 * ms }));
    const expected = n + 1 + Math.ceil((n + 1) / 512);
    assert.equal(sim.sgx.totalPages - sim.sgx.nrFree, expected);
    assert.equal(summary.counters.EPA, Math.ceil((n + 1) / 512));
    assert.equal(summary.counters.EADD, n);
    assert.equal(summary.counters.EWB, 0);
  });
}

test("after a burst of allocations ksgxd stops with free pages in [64, 79]", () => {
  // 1024 frames; the enclave adds 1200 pages, so ADD_PAGES reclaims directly and wakes ksgxd
  const steps = [...build(8 * MiB, 1200), { op: "idle" as const, durationNs: 50 * ms }, { op: "exit" as const, code: 0 }];
  const { sim, summary } = simulate(scenario(machine(4 * MiB), [proc("a", steps)], { untilNs: 40 * ms }));
  assert.ok(summary.counters.ksgxdBatches > 0, "ksgxd ran");
  assert.ok(sim.sgx.nrFree >= 64 && sim.sgx.nrFree <= 79, `free pages ${sim.sgx.nrFree}`);
});

test("ADD_PAGES with a duplicate offset fails with EBUSY and the process exits 1", () => {
  const steps = [
    { op: "create" as const, size: 64 * 1024, debug: false },
    { op: "addPages" as const, offset: 0, length: PAGE, type: "REG" as const, perm: 3, measure: true, chunk: PAGE },
    { op: "addPages" as const, offset: 0, length: PAGE, type: "REG" as const, perm: 3, measure: true, chunk: PAGE },
    { op: "exit" as const, code: 0 },
  ];
  const { summary } = simulate(scenario(machine(1 * MiB), [proc("a", steps)]));
  const p = summary.processes[0];
  assert.equal(p?.exitCode, 1);
  assert.deepEqual(p?.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "EBUSY" });
  // everything was given back at exit
  assert.equal(summary.epc.freePages, summary.epc.totalPages);
});

test("the SECS is never evicted before EINIT, even when all its children are", () => {
  // two uninitialized enclaves that together exceed the EPC: children go to backing, SECSs stay
  const a = [...build(8 * MiB, 900, { init: false }), { op: "idle" as const, durationNs: 30 * ms }, { op: "exit" as const, code: 0 }];
  const { summary } = simulate(scenario(machine(4 * MiB), [proc("a", a), proc("b", a, 1 * ms)], { untilNs: 20 * ms }));
  assert.ok(summary.counters.EWB > 100, "pages were written back");
  assert.equal(summary.counters.secsEvicted, 0);
  assert.equal(summary.epc.secsPages, 2);
});

test("the SECS of an initialized enclave is evicted with its last resident child", () => {
  const a = [...build(4 * MiB, 300), { op: "idle" as const, durationNs: 100 * ms }, { op: "exit" as const, code: 0 }];
  const b = [...build(8 * MiB, 1100), { op: "idle" as const, durationNs: 100 * ms }, { op: "exit" as const, code: 0 }];
  const { sim, summary } = simulate(scenario(machine(4 * MiB), [proc("a", a), proc("b", b, 5 * ms)], { untilNs: 60 * ms }));
  const encl = sim.sgx.encls[0];
  assert.ok(encl !== undefined);
  assert.equal(encl.secsChildCnt, 0, "a's children were all evicted");
  assert.ok(summary.counters.secsEvicted >= 1);
  assert.equal(sim.sgx.enclPages.frameOf(encl.secsPage), -1, "a's SECS is evicted");
});

test("an enclave thread faulting with no free frame retries (NOPAGE) until ksgxd frees one", () => {
  // a's working set is larger than the EPC, so its faults meet an empty free list
  const a = [...build(8 * MiB, 1200), run(1, access(1199, 20000, { pattern: { kind: "uniform" } })), { op: "exit" as const, code: 0 }];
  const { summary } = simulate(scenario(machine(4 * MiB), [proc("a", a)]));
  assert.equal(summary.processes[0]?.exitCode, 0);
  assert.ok(summary.counters.faultRetries > 0, "some faults returned NOPAGE without a PTE");
  assert.ok(summary.counters.ELDU > 0 && summary.counters.EWB > summary.counters.ELDU - 1);
});

test("without SGX2 an access outside the added pages gets SIGBUS (exit 135)", () => {
  const a = [...build(1 * MiB, 16), run(1, access(32, 100, { pattern: { kind: "sequential" } })), { op: "exit" as const, code: 0 }];
  const { summary } = simulate(scenario(machine(4 * MiB, { sgx2: false }), [proc("a", a)]));
  assert.equal(summary.processes[0]?.exitCode, 135);
  assert.equal(summary.processes[0]?.signal, "SIGBUS");
  assert.equal(summary.epc.freePages, summary.epc.totalPages);
});

test("with SGX2 the same access EAUGs the missing pages and exits 0", () => {
  const a = [...build(1 * MiB, 16), run(1, access(32, 100, { pattern: { kind: "sequential" } })), { op: "exit" as const, code: 0 }];
  const { summary } = simulate(scenario(machine(4 * MiB), [proc("a", a)]));
  assert.equal(summary.processes[0]?.exitCode, 0);
  assert.equal(summary.counters.EAUG, 16);
});

test("a SIGTERM kills a running process with exit code 143 and frees its EPC", () => {
  const a = [...build(2 * MiB, 200), run(2, access(199, 1_000_000)), { op: "exit" as const, code: 0 }];
  const s = scenario(machine(4 * MiB), [proc("a", a)]);
  s.events.push({ at: 2 * ms, action: { type: "kill", target: "a", signal: "SIGTERM" } });
  const { summary } = simulate(s);
  assert.equal(summary.processes[0]?.exitCode, 143);
  assert.equal(summary.processes[0]?.signal, "SIGTERM");
  assert.equal(summary.epc.freePages, summary.epc.totalPages);
});

test("the same scenario and seed give identical results", () => {
  const a = [...build(8 * MiB, 1200), run(2, access(1199, 5000, { pattern: { kind: "zipf", skew: 0.9 } })), { op: "exit" as const, code: 0 }];
  const mk = () => scenario(machine(4 * MiB), [proc("a", a), proc("b", a, 1 * ms)], { seed: 7 });
  const one = JSON.stringify(createSimulator(mk()).run());
  const two = JSON.stringify(createSimulator(mk()).run());
  assert.equal(one, two);
  const other = JSON.stringify(createSimulator({ ...mk(), seed: 8 }).run());
  assert.notEqual(one, other);
});

test("with timed sanitization an ECREATE racing ksgxd's boot passes fails with ENOMEM", () => {
  const steps = [...build(1 * MiB, 16), { op: "exit" as const, code: 0 }];
  const s = scenario(machine(4 * MiB), [proc("early", steps), proc("late", steps, 50 * ms)]);
  s.options.timedSanitize = true;
  const { summary } = simulate(s);
  assert.deepEqual(summary.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_CREATE", errno: "ENOMEM" });
  assert.equal(summary.processes[1]?.exitCode, 0);
  assert.equal(summary.counters.EREMOVE >= 1024, true, "every frame was EREMOVEd at boot");
});

test("a frame poisoned while dirty is never counted free; one poisoned while free still is (Q1)", () => {
  const s = scenario(machine(1 * MiB), []);
  s.options.timedSanitize = true;
  s.events.push({ at: 0, action: { type: "memoryFailure", frame: 5, actionRequired: false, process: null } });
  s.events.push({ at: 10 * ms, action: { type: "memoryFailure", frame: 9, actionRequired: false, process: null } });
  const { summary } = simulate(s);
  assert.equal(summary.epc.poisonedPages, 2);
  // frame 5: not counted; frame 9: counted although it can never be allocated
  assert.equal(summary.epc.freePages, 255);
  assert.equal(summary.epc.freeListPages, 254);
});

test("allocation fails when every unpoisoned frame is in use although the free counter looks healthy (Q1)", () => {
  // 64 frames, 32 of them poisoned while free: the counter still says 64 free
  const s = scenario(machine(256 * 1024), [proc("a", [{ op: "vepc", bytes: 40 * PAGE, touch: 40 * PAGE }, { op: "hold", durationNs: null }, { op: "exit", code: 0 }], 1 * ms)]);
  for (let f = 32; f < 64; f++) s.events.push({ at: 0, action: { type: "memoryFailure", frame: f, actionRequired: false, process: null } });
  const { summary } = simulate(s);
  // the guest gets 32 frames, then the 33rd fault finds no frame and an empty LRU: SIGBUS
  assert.equal(summary.processes[0]?.signal, "SIGBUS");
  assert.equal(summary.counters.vepcFaults, 33);
});

test("two threads faulting on the same new SGX2 address: the loser gets SIGBUS (Q11), or a retry with eaugRaceFix", () => {
  // both threads walk the same unadded pages in lockstep, so they fault on each address together
  const steps = [...build(1 * MiB, 4), run(2, access(64, 64, { pattern: { kind: "sequential" }, offset: 16 * PAGE })), { op: "exit" as const, code: 0 }];
  const racy = simulate(scenario(machine(4 * MiB), [proc("a", steps)])).summary;
  assert.equal(racy.processes[0]?.signal, "SIGBUS");
  const fixed = scenario(machine(4 * MiB), [proc("a", steps)]);
  fixed.options.eaugRaceFix = true;
  const ok = simulate(fixed).summary;
  assert.equal(ok.processes[0]?.exitCode, 0);
  assert.equal(ok.counters.EAUG, 64);
});

test("a failed EEXTEND leaks a secs_child_cnt increment and the SECS at release (Q2)", () => {
  const steps = [...build(1 * MiB, 8, { measure: true }), { op: "exit" as const, code: 0 }];
  const s = scenario(machine(4 * MiB), [proc("a", steps)]);
  s.events.push({ at: 0, action: { type: "injectFailure", leaf: "EEXTEND", count: 1 } });
  const { summary } = simulate(s);
  assert.deepEqual(summary.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "EIO" });
  assert.equal(summary.epc.leakedPages, 1, "the SECS frame is never freed");
  assert.ok(summary.warnings.messages.some((m) => m.includes("EPC page leak")));
});

test("a failed ELDU loses the page: the next access gets SIGBUS (Q4)", () => {
  // 300 pages on a 256-frame EPC: some are evicted; the first reload fails
  const steps = [...build(2 * MiB, 300), run(1, access(299, 2000, { pattern: { kind: "sequential" } })), { op: "exit" as const, code: 0 }];
  const s = scenario(machine(1 * MiB), [proc("a", steps)]);
  s.events.push({ at: 0, action: { type: "injectFailure", leaf: "ELDU", count: 1 } });
  const { summary } = simulate(s);
  assert.equal(summary.processes[0]?.signal, "SIGBUS");
  assert.equal(summary.epc.freeListPages, summary.epc.totalPages);
});

test("INIT of a PROVISIONKEY enclave fails with EACCES unless SGX_IOC_ENCLAVE_PROVISION came first", () => {
  const base = (extra: Scenario["processes"][number]["steps"]) => [
    { op: "create" as const, size: 64 * 1024, debug: false, provisionKey: true },
    ...extra,
    { op: "addPages" as const, offset: 0, length: PAGE, type: "TCS" as const, perm: 0, measure: true, chunk: PAGE },
    { op: "init" as const },
    { op: "exit" as const, code: 0 },
  ];
  const { summary } = simulate(
    scenario(machine(1 * MiB), [
      proc("denied", base([])),
      proc("allowed", base([{ op: "provision", validFd: true }])),
      proc("badfd", base([{ op: "provision", validFd: false }])),
    ]),
  );
  const [denied, allowed, badfd] = summary.processes;
  assert.deepEqual(denied?.error, { op: "SGX_IOC_ENCLAVE_INIT", errno: "EACCES" });
  assert.equal(allowed?.exitCode, 0);
  assert.deepEqual(badfd?.error, { op: "SGX_IOC_ENCLAVE_PROVISION", errno: "EINVAL" });
});

test("ioctls check their arguments in the kernel's order and return its errno", () => {
  const cases: [Scenario["processes"][number]["steps"], string, string][] = [
    [[{ op: "create", size: 3 * PAGE, debug: false }], "SGX_IOC_ENCLAVE_CREATE", "EINVAL"],
    [[{ op: "init" }], "SGX_IOC_ENCLAVE_INIT", "EINVAL"],
    [[{ op: "addPages", offset: 0, length: PAGE, type: "REG", perm: 3, measure: true, chunk: PAGE }], "SGX_IOC_ENCLAVE_ADD_PAGES", "EINVAL"],
    [[{ op: "create", size: 16 * PAGE, debug: false }, { op: "addPages", offset: 100, length: PAGE, type: "REG", perm: 3, measure: true, chunk: PAGE }], "SGX_IOC_ENCLAVE_ADD_PAGES", "EINVAL"],
    [[{ op: "create", size: 16 * PAGE, debug: false }, { op: "addPages", offset: 16 * PAGE, length: PAGE, type: "REG", perm: 3, measure: true, chunk: PAGE }], "SGX_IOC_ENCLAVE_ADD_PAGES", "EINVAL"],
    [[{ op: "create", size: 16 * PAGE, debug: false }, { op: "addPages", offset: 0, length: PAGE, type: "REG", perm: 2, measure: true, chunk: PAGE }], "SGX_IOC_ENCLAVE_ADD_PAGES", "EINVAL"],
    [[{ op: "create", size: 16 * PAGE, debug: false }, { op: "addPages", offset: 0, length: PAGE, type: "TCS", perm: 3, measure: true, chunk: PAGE }], "SGX_IOC_ENCLAVE_ADD_PAGES", "EINVAL"],
    [[{ op: "create", size: 16 * PAGE, debug: false }, { op: "create", size: 16 * PAGE, debug: false }], "SGX_IOC_ENCLAVE_CREATE", "EINVAL"],
    [[...build(16 * PAGE, 4).slice(0, 3), { op: "modifyTypes", offset: 0, length: PAGE, pageType: "TRIM" }], "SGX_IOC_ENCLAVE_MODIFY_TYPES", "EINVAL"],
    [[...build(16 * PAGE, 4), { op: "removePages", offset: 0, length: PAGE }], "SGX_IOC_ENCLAVE_REMOVE_PAGES", "EPERM"],
    [[...build(16 * PAGE, 4), { op: "modifyTypes", offset: 0, length: PAGE, pageType: "TRIM" }, { op: "removePages", offset: 0, length: PAGE }], "SGX_IOC_ENCLAVE_REMOVE_PAGES", "EPERM"],
    [[...build(16 * PAGE, 4), { op: "restrictPermissions", offset: 0, length: PAGE, perm: 2 }], "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS", "EINVAL"],
    [[...build(16 * PAGE, 4), { op: "restrictPermissions", offset: 3 * PAGE, length: PAGE, perm: 1 }], "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS", "EINVAL"],
    [[...build(16 * PAGE, 4), { op: "modifyTypes", offset: 15 * PAGE, length: PAGE, pageType: "TRIM" }], "SGX_IOC_ENCLAVE_MODIFY_TYPES", "EFAULT"],
  ];
  for (const [steps, op, errno] of cases) {
    const { summary } = simulate(scenario(machine(1 * MiB), [proc("p", [...steps, { op: "exit", code: 0 }])]));
    assert.deepEqual(summary.processes[0]?.error, { op, errno }, JSON.stringify(steps.at(-1)));
    assert.equal(summary.processes[0]?.exitCode, 1);
  }
  // without SGX2 the SGX2 ioctls are ENODEV
  const { summary } = simulate(
    scenario(machine(1 * MiB, { sgx2: false }), [proc("p", [...build(16 * PAGE, 4), { op: "modifyTypes", offset: 0, length: PAGE, pageType: "TRIM" }, { op: "exit", code: 0 }])]),
  );
  assert.deepEqual(summary.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_MODIFY_TYPES", errno: "ENODEV" });
});

test("mmap: MAP_PRIVATE is refused (EINVAL); a protection an added page lacks is refused (EACCES)", () => {
  const built = build(64 * 1024, 4).filter((s) => s.op !== "mmap");
  const cases: [Scenario["processes"][number]["steps"][number], string | null][] = [
    [{ op: "mmap", private: true }, "EINVAL"],
    [{ op: "mmap", prot: 7 }, "EACCES"], // the TCS page allows only R|W
    [{ op: "mmap", prot: 3 }, null],
  ];
  for (const [mmap, errno] of cases) {
    const { summary } = simulate(scenario(machine(1 * MiB), [proc("p", [...built, mmap, { op: "exit", code: 0 }])]));
    assert.deepEqual(summary.processes[0]?.error, errno === null ? null : { op: "mmap", errno });
  }
});

test("SGX_IOC_VEPC_REMOVE_ALL EREMOVEs every guest page and keeps them; a non-zero argument is EINVAL", () => {
  const guest = (arg: number) => [
    { op: "vepc" as const, bytes: 8 * PAGE, touch: 8 * PAGE },
    { op: "vepcRemoveAll" as const, arg },
    { op: "hold" as const, durationNs: 1 * ms },
    { op: "exit" as const, code: 0 },
  ];
  const ok = simulate(scenario(machine(1 * MiB), [proc("g", guest(0))], { untilNs: 500_000 })).summary;
  assert.equal(ok.counters.EREMOVE, 8);
  assert.equal(ok.epc.vepcPages, 8, "the frames stay with the guest");
  const bad = simulate(scenario(machine(1 * MiB), [proc("g", guest(1))])).summary;
  assert.deepEqual(bad.processes[0]?.error, { op: "SGX_IOC_VEPC_REMOVE_ALL", errno: "EINVAL" });
});

test("mprotect() of the enclave mapping is checked like mmap (EACCES for a bit a page lacks)", () => {
  const built = build(64 * 1024, 4);
  const denied = simulate(scenario(machine(1 * MiB), [proc("p", [...built, { op: "mprotect", prot: 7 }, { op: "exit", code: 0 }])])).summary;
  assert.deepEqual(denied.processes[0]?.error, { op: "mprotect", errno: "EACCES" });
  const allowed = simulate(scenario(machine(1 * MiB), [proc("p", [...built, { op: "mprotect", prot: 1 }, { op: "exit", code: 0 }])])).summary;
  assert.equal(allowed.processes[0]?.exitCode, 0);
});

test("mainline attributes EPC and paging to cgroups (no sgx_epc there) and says so: the three-pod node", async () => {
  const { loadScenarioFile } = await import("../src/scenario/load.js");
  const { formatSummary } = await import("../src/cli/format.js");
  const { fileURLToPath } = await import("node:url");
  const file = fileURLToPath(new URL("../../examples/three-pods.yaml", import.meta.url));
  const { summary } = simulate(loadScenarioFile(file, { set: { kernel: "mainline" } }));
  const c = summary.cgroups;
  // no limits apply on mainline: every pod's EPC is attributed, misc.current stays 0
  for (const pod of ["/kubepods/pod-a", "/kubepods/pod-b", "/kubepods/pod-c"]) {
    assert.equal(c[pod]?.current, 0, `${pod}: no sgx_epc charge on mainline`);
    assert.ok((c[pod]?.attributed.epcPeak as number) >= 12 * MiB, `${pod}: its EPC is attributed (${c[pod]?.attributed.epcPeak})`);
    const p = summary.processes.find((x) => x.cgroup === pod);
    assert.deepEqual(c[pod]?.paging, p?.paging, `${pod}'s paging is its one process's`);
  }
  assert.equal(c["/"]?.paging.faults, summary.counters.faults);
  assert.equal(c["/kubepods"]?.attributed.epcPeak, c["/"]?.attributed.epcPeak);
  assert.equal(summary.cgroups["/kubepods/pod-a"]?.paging.chargeFailures, 0, "mainline never charges");
  assert.match(formatSummary(summary), /paging per cgroup \(with its descendants; attributed by epcsim, as mainline has no sgx_epc;/);
});
