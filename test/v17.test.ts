// The v17 EPC cgroup: scenario tests with results derived from spec kernel-epc-cgroup.md §1 and §5.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSimulator } from "../src/programs/run.js";
import type { Simulator } from "../src/engine/sim.js";
import { parseScenarioText } from "../src/scenario/load.js";
import { access, build, machine, MiB, ms, PAGE, proc, run, scenario } from "../src/testing/builders.js";
import type { CgroupConfig, Scenario, ScheduledEvent } from "../src/scenario/types.js";
import { drive, enclave, FakeTask, kernel } from "../src/testing/kernel-harness.js";
import { sgxReclaimPagesGlobal } from "../src/kernel/epc-cgroup.js";
import { CgroupTree, type Cgroup } from "../src/cgroup/misc.js";
import { Sgx } from "../src/kernel/state.js";

function v17(s: Scenario, cgroups: CgroupConfig[], events: ScheduledEvent[] = []): Scenario {
  return { ...s, kernel: "v17", cgroups, events: [...s.events, ...events] };
}

function simulate(s: Scenario): ReturnType<Simulator["run"]> {
  const summary = createSimulator(s, { checkInvariants: true }).run();
  assert.deepEqual(summary.invariants.violations.slice(0, 3), []);
  // at the end every cgroup without a live process has nothing charged
  for (const [path, cg] of Object.entries(summary.cgroups)) {
    assert.equal(cg.current, 0, path);
    assert.equal(cg.files["misc.current"], s.kernel === "mainline" ? "" : "sgx_epc 0\n", path);
  }
  return summary;
}

const limit = (pages: number) => ({ file: "misc.max", value: `sgx_epc ${pages * PAGE}` });

test("an ancestor's limit is hit: the event counts at the ancestor, not the leaf (M2); reclaim stays in the subtree", () => {
  const steps = [...build(2 * MiB, 200), { op: "exit" as const, code: 0 }];
  const s = v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A/B" }]), [
    { path: "/A", writes: [limit(64)] },
    { path: "/A/B", writes: [] },
  ]);
  const r = simulate(s);
  assert.equal(r.processes[0]?.exitCode, 0);
  assert.ok((r.cgroups["/A"]?.events ?? 0) > 0);
  assert.equal(r.cgroups["/A"]?.files["misc.events.local"], `sgx_epc.max ${r.cgroups["/A"]?.events}\n`);
  assert.equal(r.cgroups["/A/B"]?.files["misc.events"], "sgx_epc.max 0\n");
  assert.equal(r.cgroups["/A"]?.peak, 64 * PAGE);
  assert.ok(r.counters.EWB > 100, "the enclave was paged within its limit");
});

test("a limit below an enclave's VA and SECS needs: CREATE or ADD_PAGES fails with ENOMEM, exit 1", () => {
  const steps = [...build(1 * MiB, 16), { op: "exit" as const, code: 0 }];
  const one = simulate(v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), [{ path: "/A", writes: [limit(1)] }]));
  assert.deepEqual(one.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_CREATE", errno: "ENOMEM" });
  assert.equal(one.processes[0]?.exitCode, 1);
  const two = simulate(v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), [{ path: "/A", writes: [limit(2)] }]));
  assert.deepEqual(two.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "ENOMEM" });
});

test("a fault at the limit with reclaimable pages retries until the async work frees room (R1)", () => {
  const steps = [...build(2 * MiB, 200), run(1, access(199, 3000)), { op: "exit" as const, code: 0 }];
  const r = simulate(v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), [{ path: "/A", writes: [limit(100)] }]));
  assert.equal(r.processes[0]?.exitCode, 0);
  assert.ok(r.counters.cgroupWorkRuns > 0, "the work item ran");
  assert.ok(r.counters.faultRetries > 0, "faults returned NOPAGE while over the limit");
  assert.ok(r.counters.ELDU > 0);
});

test("a vEPC guest at its limit with nothing reclaimable gets SIGBUS (R2, R4)", () => {
  const guest = [{ op: "vepc" as const, bytes: 32 * PAGE, touch: 32 * PAGE }, { op: "hold" as const, durationNs: null }, { op: "exit" as const, code: 0 }];
  const r = simulate(v17(scenario(machine(4 * MiB), [{ ...proc("g", guest), cgroup: "/A" }]), [{ path: "/A", writes: [limit(16)] }]));
  assert.equal(r.processes[0]?.signal, "SIGBUS");
  assert.equal(r.counters.vepcFaults, 17);
});

test("global reclaim visits R, A, A1, B, R in that order for the tree R{A{A1},B} (R5)", () => {
  const { sgx, env } = v17Kernel(2048);
  const tree = sgx.cgroups;
  const A = tree.mkdir("/A") as Cgroup;
  const A1 = tree.mkdir("/A/A1") as Cgroup;
  const B = tree.mkdir("/B") as Cgroup;
  for (const cg of [tree.root, A, A1, B]) {
    const t = new FakeTask(1, null);
    t.cgroup = cg;
    env.task = t;
    enclave(sgx, 1 * MiB, 40);
  }
  const visits: string[] = [];
  sgx.onReclaimVisit = (cg) => visits.push(cg.path);
  for (let i = 0; i < 5; i++) drive(sgxReclaimPagesGlobal(sgx));
  assert.deepEqual(visits, ["/", "/A", "/A/A1", "/B", "/"]);
});

test("misc.max writes through scenario events: the kernel's grammar and errno (M1)", () => {
  // every row of the spec's table (1.4)
  const rows: [string, string, string][] = [
    ["sgx_epc 1048576\n", "ok", "sgx_epc 1048576\n"],
    ["sgx_epc max", "ok", "sgx_epc max\n"],
    ["sgx_epc 18446744073709551615", "ok", "sgx_epc max\n"],
    ["sgx_epc", "EINVAL", "sgx_epc max\n"],
    ["SGX_EPC 1", "EINVAL", "sgx_epc max\n"],
    ["sgx_epc -1", "EINVAL", "sgx_epc max\n"],
    ["sgx_epc 99999999999999999999", "ERANGE", "sgx_epc max\n"],
    ["sgx_epc  4096", "EINVAL", "sgx_epc max\n"],
    ["sgx_epc 0x1000", "ok", "sgx_epc 4096\n"],
    ["sgx_epc 4097", "ok", "sgx_epc 4097\n"],
  ];
  for (const [value, result, text] of rows) {
    const r = simulate(
      v17(scenario(machine(1 * MiB), []), [{ path: "/A", writes: [] }], [
        { at: 1, action: { type: "write", path: "/A/misc.max", value } },
        { at: 2, action: { type: "read", path: "/A/misc.max" } },
      ]),
    );
    assert.deepEqual(
      r.fileOps.map((o) => [o.op, o.result]),
      [
        ["write", result],
        ["read", "ok"],
      ],
      value,
    );
    assert.equal(r.fileOps[1]?.text, text, value);
  }
});

test("under mainline the sgx_epc resource does not exist: misc.max writes fail with EINVAL", () => {
  const s = parseScenarioText(
    "kernel: mainline\ncgroups: { /a: null }\nevents:\n  - { at: 1ms, write: { path: /a/misc.max, value: sgx_epc 1048576 } }\n  - { at: 2ms, read: /misc.capacity }\n",
    "s.yaml",
  );
  const r = simulate(s);
  assert.equal(r.fileOps[0]?.result, "EINVAL");
  assert.equal(r.fileOps[1]?.text, "");
  assert.equal(r.cgroups["/a"]?.files["misc.max"], "");
});

test("rmdir keeps charges in the ancestors (M5); a moved process leaves its charges behind (M6)", () => {
  const steps = [...build(1 * MiB, 32), { op: "idle" as const, durationNs: 10 * ms }, ...build(1 * MiB, 8).slice(0, 0), { op: "exit" as const, code: 0 }];
  const s = v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A/B" }]), [{ path: "/A/B", writes: [] }, { path: "/C", writes: [] }], [
    { at: 2 * ms, action: { type: "move", process: "p", cgroup: "/C" } },
    { at: 3 * ms, action: { type: "rmdir", path: "/A/B" } },
    { at: 4 * ms, action: { type: "read", path: "/A/misc.current" } },
    { at: 4 * ms, action: { type: "read", path: "/C/misc.current" } },
    { at: 4 * ms, action: { type: "read", path: "/C/cgroup.procs" } },
  ]);
  const r = simulate(s);
  assert.deepEqual(
    r.fileOps.map((o) => o.result),
    ["ok", "ok", "ok", "ok", "ok"],
  );
  // 32 pages + SECS + 1 VA page stay charged to /A/B (dying) and so to /A
  assert.equal(r.fileOps[2]?.text, `sgx_epc ${34 * PAGE}\n`);
  assert.equal(r.fileOps[3]?.text, "sgx_epc 0\n");
  assert.equal(r.fileOps[4]?.text, "1\n");
  assert.equal(r.cgroups["/A/B"], undefined, "removed");
});

function v17Kernel(pages: number): ReturnType<typeof kernel> {
  const k = kernel(pages);
  // rebuild the kernel with the EPC cgroup on
  const sgx = new Sgx(k.sgx.machine, k.sgx.costs, k.env, k.sgx.options, { generation: "v17", miscEvents: "6.11" });
  for (const s of sgx.sections) sgx.nodes[s.node]?.addUntouched(s.first, s.first + s.count);
  sgx.nrFree = sgx.totalPages;
  void CgroupTree;
  return { sgx, env: k.env };
}

test("backing store over memory.max with no swap: the memcg OOM killer SIGKILLs the process with the most memory", () => {
  const s = parseScenarioText(
    [
      "kernel: v17",
      "machine: { epc: 4MiB, cpus: 4 }",
      'cgroups: { /m: { misc.max: "sgx_epc 1048576", memory.max: "1M" } }',
      "processes:",
      "  - { name: big, cgroup: /m, memory: 64KiB, program: { enclave: { size: 8MiB, add: 4MiB, measure: false } } }",
      "  - { name: small, cgroup: /m, program: { enclave: { size: 1MiB, add: 64KiB, measure: false } } }",
    ].join("\n"),
    "s.yaml",
  );
  const r = simulate(s);
  assert.equal(r.processes[0]?.signal, "SIGKILL");
  assert.equal(r.processes[0]?.exitCode, 137);
  assert.equal(r.processes[1]?.exitCode, 0);
  assert.deepEqual(
    r.memcgOomKills.map((k) => [k.cgroup, k.victim]),
    [["/m", "big"]],
  );
  const m = r.cgroups["/m"]?.memory;
  assert.equal(m?.events.oomKill, 1);
  assert.ok((m?.events.oom ?? 0) >= 1 && (m?.events.max ?? 0) >= 1);
  assert.equal(m?.current, 0, "the backing store went with the enclave");
  assert.match(r.cgroups["/m"]?.files["memory.events"] ?? "", /^low 0\nhigh 0\nmax \d+\noom \d+\noom_kill 1\noom_group_kill 0\n$/);
});

test("memory.max parses like the kernel (memparse, rounded down to pages) and the backing is charged while swapped out", () => {
  const s = parseScenarioText(
    [
      "kernel: mainline",
      "machine: { epc: 1MiB }",
      "cgroups: { /m: null }",
      "processes:",
      "  - { name: p, cgroup: /m, program: { steps: [ {create: {size: 4MiB}}, {mmap: {prot: rw}}, {addPages: {offset: 0, length: 2MiB, measure: false}}, {idle: 20ms} ] } }",
      "events:",
      "  - { at: 1ms, write: { path: /m/memory.max, value: 1G } }",
      "  - { at: 1ms, read: /m/memory.max }",
      "  - { at: 1ms, write: { path: /m/memory.max, value: 16777217 } }",
      "  - { at: 1ms, read: /m/memory.max }",
      "  - { at: 1ms, write: { path: /m/memory.max, value: lots } }",
      "  - { at: 1ms, write: { path: /m/memory.max, value: max } }",
      "  - { at: 15ms, read: /m/memory.current }",
      "  - { at: 15ms, read: /memory.current }",
      "  - { at: 15ms, write: { path: /m/memory.current, value: 0 } }",
    ].join("\n"),
    "s.yaml",
  );
  const r = simulate(s);
  const ops = r.fileOps.map((o) => [o.op, o.result, o.text ?? null]);
  assert.deepEqual(ops.slice(0, 6), [
    ["write", "ok", null],
    ["read", "ok", "1073741824\n"],
    ["write", "ok", null],
    ["read", "ok", "16777216\n"],
    ["write", "EINVAL", null],
    ["write", "ok", null],
  ]);
  // 2 MiB added to a 1 MiB EPC: about 270 pages are in the backing store, with their PCMD pages; ksgxd
  // charges them to the memcg of an mm on the enclave's mm list, hence the early mmap

  const current = Number((r.fileOps[6]?.text ?? "0").trim());
  assert.ok(current > 250 * PAGE && current % PAGE === 0, `memory.current ${current}`);
  assert.deepEqual(ops[7], ["read", "ENOENT", null], "no memory.current on the root");
  assert.deepEqual(ops[8], ["write", "EACCES", null], "read-only");
});

test("the capacity rejects at the root even with unlimited children (M3)", () => {
  // two cgroups without limits share a 1 MiB EPC: the second enclave's build meets the capacity
  const steps = [...build(1 * MiB, 200, { init: false }), { op: "idle" as const, durationNs: 5 * ms }, { op: "exit" as const, code: 0 }];
  const r = simulate(v17(scenario(machine(1 * MiB), [{ ...proc("a", steps), cgroup: "/A" }, { ...proc("b", steps, 1 * ms), cgroup: "/B" }]), [
    { path: "/A", writes: [] },
    { path: "/B", writes: [] },
  ]));
  // failures at the root are counted only in the root's internal counter: no file shows them
  assert.ok((r.cgroups["/"]?.events ?? 0) === 0 && r.counters.chargeFailures > 0);
  assert.equal(r.cgroups["/A"]?.files["misc.events"], "sgx_epc.max 0\n");
  assert.equal(r.cgroups["/B"]?.files["misc.events"], "sgx_epc.max 0\n");
  assert.equal(r.processes[1]?.exitCode, 0, "b reclaimed its own pages to fit");
});

test("lowering misc.max below usage changes nothing until the next allocation (M4, final design)", () => {
  const steps = [
    ...build(2 * MiB, 100),
    { op: "idle" as const, durationNs: 10 * ms },
    run(1, access(99, 500, { pattern: { kind: "sequential" } })),
    { op: "run" as const, threads: 1, phases: [{ type: "grow" as const, bytes: 4 * PAGE }] },
    { op: "exit" as const, code: 0 },
  ];
  const s = v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), [{ path: "/A", writes: [] }], [
    { at: 2 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${40 * PAGE}` } },
    { at: 3 * ms, action: { type: "read", path: "/A/misc.current" } },
  ]);
  const r = simulate(s);
  assert.equal(r.fileOps[1]?.text, `sgx_epc ${102 * PAGE}\n`, "still 100 pages + SECS + VA after the write");
  assert.equal(r.processes[0]?.exitCode, 0);
  assert.equal(r.fileOps.length, 2);
  assert.ok(r.counters.EWB >= 60, "the next allocations (EAUG) made the cgroup reclaim down to its new limit");
  assert.ok(r.counters.cgroupWorkRuns > 0);
  assert.equal(r.cgroups["/A"]?.peak, 102 * PAGE);
});

test("SGX2 ioctls over the limit: a reload that cannot be charged fails with EAGAIN while the subtree can still reclaim (R3)", () => {
  // 200 pages paged within 64; the limit then drops to 2 pages (nothing happens until an allocation);
  // MODIFY_TYPES's direct reclaim frees one batch, but reloading the evicted page 0 still does not fit
  const steps = [
    ...build(2 * MiB, 200),
    { op: "idle" as const, durationNs: 50 * ms },
    { op: "modifyTypes" as const, offset: 0, length: PAGE, pageType: "TRIM" as const },
    { op: "exit" as const, code: 0 },
  ];
  const r = simulate(
    v17(scenario(machine(4 * MiB), [{ ...proc("p", steps), cgroup: "/A" }]), [{ path: "/A", writes: [limit(64)] }], [
      { at: 20 * ms, action: { type: "write", path: "/A/misc.max", value: `sgx_epc ${2 * PAGE}` } },
    ]),
  );
  assert.deepEqual(r.processes[0]?.error, { op: "SGX_IOC_ENCLAVE_MODIFY_TYPES", errno: "EAGAIN" });
  assert.ok(r.counters.cgroupWorkRuns >= 1, "the failed NO_RECLAIM charge queued the async work");
});

test("in a whole run, global reclaim walks the root's cursor R, A, A1, B, R, ... (R5)", () => {
  // four enclaves in R, A, A/A1 and B together exceed the EPC: ksgxd and the allocation loop reclaim globally
  const steps = [...build(1 * MiB, 200), { op: "idle" as const, durationNs: 5 * ms }, { op: "exit" as const, code: 0 }];
  const s = v17(
    scenario(machine(3 * MiB), [
      { ...proc("r", steps), cgroup: "/" },
      { ...proc("a", steps), cgroup: "/A" },
      { ...proc("a1", steps), cgroup: "/A/A1" },
      { ...proc("b", steps), cgroup: "/B" },
    ]),
    [{ path: "/A/A1", writes: [] }, { path: "/B", writes: [] }],
  );
  const sim = createSimulator(s, { checkInvariants: true });
  const visits: string[] = [];
  // walks from the root's cursor only (a charge the capacity refuses also reclaims the charging cgroup's own subtree)
  sim.sgx.onReclaimVisit = (cg, walkRoot) => {
    if (walkRoot === sim.sgx.cgroups.root) visits.push(cg.path);
  };
  const r = sim.run();
  assert.deepEqual(r.invariants.violations, []);
  assert.ok(visits.length >= 2, `${visits.length} global visits`);
  const cycle = ["/", "/A", "/A/A1", "/B"];
  visits.forEach((v, i) => assert.equal(v, cycle[i % 4], `visit ${i}`));
});

test("the final selftest's expectations hold under v17 at 32 MiB (phases 1-4 and 6, spec 6.7)", () => {
  const C = 32 * MiB;
  const SMALL = C / 512;
  const LARGE = 4 * SMALL;
  const phase = (cgroup: string, replicas: number, memoryMax?: number) => {
    const yaml = [
      "kernel: v17",
      `machine: { epc: ${C}, cpus: 8 }`,
      "cgroups:",
      `  /sgx_kselftest/sgx_test_small_parent: { misc.max: "sgx_epc ${SMALL}" }`,
      "  /sgx_kselftest/sgx_test_small_parent/sgx_test_small: null",
      `  /sgx_kselftest/sgx_test_large: { misc.max: "sgx_epc ${LARGE}"${memoryMax === undefined ? "" : `, memory.max: "${memoryMax}"`} }`,
      `  /sgx_kselftest/sgx_test_larger: { misc.max: "sgx_epc ${C}" }`,
      "processes:",
      `  - { name: t, replicas: ${replicas}, cgroup: /sgx_kselftest/${cgroup}, program: { preset: test_sgx_oversubscribed } }`,
    ].join("\n");
    const r = createSimulator(parseScenarioText(yaml, "selftest.yaml")).run();
    for (const cg of Object.values(r.cgroups)) assert.equal(cg.current, 0, "no leak (phase 7)");
    return r.processes.map((p) => p.exitCode);
  };
  assert.ok(phase("sgx_test_small_parent/sgx_test_small", 1).every((c) => c !== 0), "1: fails");
  assert.ok(phase("sgx_test_large", 4).some((c) => c === 0), "2: at least one succeeds");
  assert.ok(phase("sgx_test_large", 5).some((c) => c !== 0), "3: at least one fails");
  assert.ok(phase("sgx_test_larger", 8).every((c) => c === 0), "4: all succeed");
  assert.ok(phase("sgx_test_large", 4, C - 2 * LARGE).every((c) => c !== 0), "6: none succeeds under memory.max");
});

test("a process's own memory is charged to the memcg it starts in and stays there when it moves", () => {
  const s = parseScenarioText(
    [
      "kernel: v17",
      "machine: { epc: 4MiB }",
      "cgroups: { /m: null, /n: null }",
      "processes:",
      "  - { name: p, cgroup: /m, memory: 256KiB, program: { steps: [ {create: {size: 1MiB}}, {idle: 5ms} ] } }",
      "events:",
      "  - { at: 1ms, read: /m/memory.current }",
      "  - { at: 2ms, move: { process: p, cgroup: /n } }",
      "  - { at: 3ms, read: /m/memory.current }",
      "  - { at: 3ms, read: /n/memory.current }",
      "  - { at: 6ms, read: /m/memory.current }",
    ].join("\n"),
    "s.yaml",
  );
  const r = simulate(s);
  assert.deepEqual(
    r.fileOps.map((o) => o.text ?? o.result),
    ["262144\n", "ok", "262144\n", "0\n", "0\n"],
  );
});
