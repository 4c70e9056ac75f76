import { test } from "node:test";
import assert from "node:assert/strict";
import { createSimulator } from "../programs/run.js";
import type { Simulator } from "./sim.js";
import { access, build, machine, MiB, ms, PAGE, proc, run, scenario } from "../testing/builders.js";
import type { Scenario } from "../programs/types.js";

function simulate(s: Scenario): { sim: Simulator; summary: ReturnType<Simulator["run"]> } {
  const sim = createSimulator(s, { checkInvariants: true });
  const summary = sim.run();
  assert.deepEqual(summary.invariants.violations, []);
  return { sim, summary };
}

const worker = [...build(1 * MiB, 32), run(1, access(31, 20_000, { thinkNs: 1000 })), { op: "exit" as const, code: 0 }];

test("threads share CPUs through the run queue: one CPU serializes three processes", () => {
  const procs = [proc("a", worker), proc("b", worker), proc("c", worker)];
  const one = simulate(scenario(machine(4 * MiB, { cpus: 1 }), procs)).summary;
  const three = simulate(scenario(machine(4 * MiB, { cpus: 3 }), procs)).summary;
  for (const p of [...one.processes, ...three.processes]) assert.equal(p.exitCode, 0);
  assert.ok(one.simulatedNs > 2.5 * three.simulatedNs, `${one.simulatedNs} vs ${three.simulatedNs}`);
});

test("a forked child keeps the enclave alive after the parent exits; release runs when the child exits", () => {
  const parent = [...build(1 * MiB, 16), { op: "fork" as const, holdNs: 50 * ms }, { op: "exit" as const, code: 0 }];
  const mid = simulate(scenario(machine(4 * MiB), [proc("p", parent)], { untilNs: 20 * ms }));
  assert.equal(mid.summary.processes[0]?.exitCode, 0);
  const encl = mid.sim.sgx.encls[0];
  assert.ok(encl !== undefined && !encl.released, "the child's fd and VMAs still hold the file");
  assert.equal(encl.mmList.length, 1, "only the child's mm is left on the mm list");
  assert.equal(mid.summary.epc.enclavePages, 16);
  const end = simulate(scenario(machine(4 * MiB), [proc("p", parent)]));
  assert.ok(end.sim.sgx.encls[0]?.released);
  assert.ok(end.summary.simulatedNs >= 50 * ms);
  assert.equal(end.summary.epc.freeListPages, end.summary.epc.totalPages);
});

test("a vEPC guest's faults wake ksgxd and push host enclave pages out; guest pages are never reclaimed", () => {
  const host = [...build(4 * MiB, 900), { op: "idle" as const, durationNs: 100 * ms }, { op: "exit" as const, code: 0 }];
  const guest = [{ op: "vepc" as const, bytes: 512 * PAGE, touch: 512 * PAGE }, { op: "hold" as const, durationNs: 200 * ms }, { op: "exit" as const, code: 0 }];
  const { sim, summary } = simulate(scenario(machine(4 * MiB), [proc("host", host), proc("guest", guest, 5 * ms)], { untilNs: 80 * ms }));
  assert.equal(summary.epc.vepcPages, 512);
  assert.ok(summary.counters.EWB >= 900 + 512 - 1024, "host pages were written back to make room");
  assert.ok(sim.sgx.counters.ksgxdWakeups >= 1);
  for (let f = 0; f < sim.sgx.totalPages; f++) if (sim.sgx.pages.ownerKind(f) === 3) assert.ok(!sim.sgx.pages.isTracked(f));
});

test("a thread allocates from its CPU's NUMA node first", () => {
  const m = machine(0, { cpus: 4, numaNodes: 2, sections: [{ size: 1 * MiB, node: 0 }, { size: 1 * MiB, node: 1 }] });
  // three processes: the third thread runs on CPU 2, which is on node 1
  const hold = [...build(64 * 1024, 8), { op: "idle" as const, durationNs: 10 * ms }, { op: "exit" as const, code: 0 }];
  const { sim } = simulate(scenario(m, [proc("a", hold), proc("b", hold), proc("c", hold)], { untilNs: 5 * ms }));
  const node1 = sim.sgx.sections[1]?.first ?? 0;
  const owners = new Set<number>();
  for (let f = node1; f < node1 + 256; f++) if (sim.sgx.pages.list(f) !== 0) owners.add(sim.sgx.enclPages.enclOf(sim.sgx.pages.ownerOf(f)));
  assert.ok(owners.has(2), "enclave 2 (the process on CPU 2) got frames on node 1");
});

test("a kill during ADD_PAGES interrupts the ioctl (ERESTARTSYS) and the process dies of the signal", () => {
  const big = [...build(8 * MiB, 2000, { chunk: 2000 * PAGE }), { op: "exit" as const, code: 0 }];
  const s = scenario(machine(4 * MiB), [proc("a", big)]);
  s.events.push({ at: 1 * ms, action: { type: "kill", target: "a", signal: "SIGKILL" } });
  const { summary } = simulate(s);
  const p = summary.processes[0];
  assert.equal(p?.exitCode, 137);
  assert.equal(p?.signal, "SIGKILL");
  assert.equal(p?.error, null);
  assert.equal(summary.epc.freeListPages, summary.epc.totalPages);
});

test("a memory failure with MF_ACTION_REQUIRED sends SIGBUS to the process that consumed the poison", () => {
  const s = scenario(machine(4 * MiB), [proc("a", [...build(1 * MiB, 16), { op: "idle", durationNs: 10 * ms }, { op: "exit", code: 0 }])]);
  s.events.push({ at: 2 * ms, action: { type: "memoryFailure", frame: 5, actionRequired: true, process: "a" } });
  const { summary } = simulate(s);
  assert.equal(summary.processes[0]?.signal, "SIGBUS");
  assert.equal(summary.epc.poisonedPages, 1);
});

test("an access the EPCM refuses: SIGSEGV without the vDSO, a reported #PF with the SGX bit through it", () => {
  const trimmed = (vdso: boolean) => [
    ...build(1 * MiB, 16),
    { op: "ecall" as const, touches: [], writes: [0] },
    { op: "modifyTypes" as const, offset: 0, length: PAGE, pageType: "TRIM" as const },
    { op: "ecall" as const, touches: [], reads: [0], ...(vdso ? { vdso: true, exception: { vector: 14, errorCode: 0x8005, address: 0 } } : {}) },
    { op: "exit" as const, code: 0 },
  ];
  const signalled = simulate(scenario(machine(4 * MiB), [proc("p", trimmed(false))])).summary.processes[0];
  assert.equal(signalled?.signal, "SIGSEGV");
  assert.deepEqual(signalled?.exceptions, []);
  const reported = simulate(scenario(machine(4 * MiB), [proc("p", trimmed(true))])).summary.processes[0];
  assert.equal(reported?.exitCode, 0);
  assert.deepEqual(reported?.lastException && { ...reported.lastException, atNs: 0 }, { atNs: 0, vector: 14, errorCode: 0x8005, address: 0, function: "ERESUME" });
});

test("mprotect of a range splits the VMA: only that page refuses a write (#PF 0x7 with the PTE present)", () => {
  const steps = [
    ...build(1 * MiB, 16),
    { op: "ecall" as const, touches: [], writes: [0, PAGE, 2 * PAGE] },
    { op: "mprotect" as const, prot: 1, offset: PAGE, length: PAGE },
    { op: "ecall" as const, touches: [], writes: [0, 2 * PAGE], vdso: true },
    { op: "ecall" as const, touches: [], writes: [PAGE], vdso: true, exception: { vector: 14, errorCode: 0x7, address: PAGE } },
    { op: "exit" as const, code: 0 },
  ];
  const { sim, summary } = simulate(scenario(machine(4 * MiB), [proc("p", steps)]));
  assert.equal(summary.processes[0]?.exitCode, 0, JSON.stringify(summary.processes[0]?.error));
  assert.equal(summary.processes[0]?.exceptions.length, 1);
  assert.ok(sim.processes[0]?.exited);
});

test("MODIFY_TYPES of a page still pending after EAUG: -EFAULT with the struct's result SGX_PAGE_NOT_MODIFIABLE (20)", () => {
  const steps = [
    ...build(1 * MiB, 16),
    { op: "ecall" as const, touches: [64 * PAGE] },
    { op: "modifyTypes" as const, offset: 64 * PAGE, length: PAGE, pageType: "TRIM" as const, expect: "EFAULT" },
    { op: "exit" as const, code: 0 },
  ];
  const p = simulate(scenario(machine(4 * MiB), [proc("p", steps)])).summary.processes[0];
  assert.equal(p?.exitCode, 0);
  const rec = p?.ioctls.find((r) => r.op === "SGX_IOC_ENCLAVE_MODIFY_TYPES");
  assert.deepEqual(rec && { ret: rec.ret, errno: rec.errno, result: rec.result, count: rec.count }, { ret: -1, errno: "EFAULT", result: 20, count: 0 });
});

test("EENTER through a page that is not a TCS: the vDSO reports #PF with the SGX bit and run.function EENTER", () => {
  const steps = [
    ...build(1 * MiB, 16),
    { op: "ecall" as const, touches: [], tcs: 0, vdso: true, exception: { vector: 14, errorCode: 0x8005, address: 0 } },
    { op: "ecall" as const, touches: [], tcs: 15 * PAGE, vdso: true },
    { op: "exit" as const, code: 0 },
  ];
  const p = simulate(scenario(machine(4 * MiB), [proc("p", steps)])).summary.processes[0];
  assert.equal(p?.exitCode, 0, JSON.stringify(p?.error));
  assert.equal(p?.lastException?.function, "EENTER");
  assert.equal(p?.exceptions.length, 1, "the TCS at the top of the enclave enters cleanly");
});

test("the livelock guard counts each kernel loop of each task apart: progress starts it over, the limit stops the run", () => {
  const s = scenario(machine(4 * MiB), []);
  s.options.livelockRetries = 3;
  const sim = createSimulator(s);
  // the current task before any runs is ksgxd
  sim.kernelLoop("ksgxd()", false, null);
  sim.kernelLoop("ksgxd()", false, null);
  sim.kernelLoop("try_charge_memcg()", false, null);
  sim.kernelLoop("ksgxd()", true, null);
  sim.kernelLoop("ksgxd()", false, null);
  sim.kernelLoop("ksgxd()", false, null);
  assert.equal(sim.livelock, null, "two in a row since the last progress; the other loop counts apart");
  sim.kernelLoop("ksgxd()", false, null);
  assert.deepEqual(sim.livelock, { atNs: 0, process: "kernel", thread: "ksgxd", operation: "ksgxd()", page: -1, cgroup: "/", faultRetries: 3 });
});
