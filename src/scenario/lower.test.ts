// Lowering: every program form, the machine, options, processes and events as the brief specifies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile, parseScenarioText } from "./load.js";
import { presetTestSgxOversubscribed } from "./presets.js";
import type { Step } from "./types.js";
import { traceKey } from "./lower-trace.js";
import type { Trace } from "../trace/trace.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 4096;

function stepsOf(program: string, machine = ""): Step[] {
  const s = parseScenarioText(`${machine}processes:\n  - name: p\n    program: ${program}\n`, "s.yaml");
  return s.processes[0]?.steps ?? [];
}

test("defaults: mainline, seed 1, no end time, the client-128m platform (23,936 pages, 8 CPUs), mainline options", () => {
  const s = parseScenarioText("{}\n", "d.yaml");
  assert.deepEqual(s, {
    source: "d.yaml",
    kernel: "mainline",
    seed: 1,
    untilNs: null,
    machine: { sections: [{ size: 23_936 * PAGE, node: 0 }], numaNodes: 1, cpus: 8, sgx2: true, profile: "client-128m", costs: {} },
    // 8 CPUs: EEVDF's base slice 0.75 ms x (1 + log2 8)
    options: { eaugRaceFix: false, timedSanitize: false, schedQuantumNs: 3_000_000 },
    processes: [],
    events: [],
    cgroups: [],
  });
});

test("top level and machine fields", () => {
  const s = parseScenarioText(
    "kernel: v17\nseed: 42\nuntil: 1.5s\nmachine: { epc: 1GiB, numaNodes: 3, cpus: 64, sgx2: false, costs: { ewb: 12000 } }\noptions: { eaugRaceFix: true, timedSanitize: true, schedQuantum: 1ms }\n",
    "s.yaml",
    { seed: 7 },
  );
  assert.equal(s.kernel, "v17");
  assert.equal(s.seed, 7, "the override replaces the file's seed");
  assert.equal(s.untilNs, 1_500_000_000);
  const pages = (1 * 1024 * MiB) / PAGE;
  const per = Math.floor(pages / 3);
  assert.deepEqual(s.machine.sections, [
    { size: per * PAGE, node: 0 },
    { size: per * PAGE, node: 1 },
    { size: (pages - 2 * per) * PAGE, node: 2 },
  ]);
  assert.equal(s.machine.cpus, 64);
  assert.equal(s.machine.sgx2, false);
  assert.deepEqual(s.machine.costs, { ewb: 12000 });
  assert.deepEqual(s.options, { eaugRaceFix: true, timedSanitize: true, schedQuantumNs: 1_000_000 });

  const sec = parseScenarioText("machine: { sections: [ {size: 64MiB, node: 0}, {size: 32MiB, node: 1} ] }\n", "s.yaml").machine;
  assert.deepEqual(sec.sections, [
    { size: 64 * MiB, node: 0 },
    { size: 32 * MiB, node: 1 },
  ]);
  assert.equal(sec.numaNodes, 2, "numaNodes defaults to cover the sections' nodes");
});

test("compact enclave program: every field", () => {
  const steps = stepsOf(
    "\n      enclave: { size: 64MiB, add: 32MiB, measure: false, tcs: 4, debug: true, addChunk: 1MiB }\n      threads: 3\n      access: { pattern: hotcold, pages: 16MiB, offset: 8MiB, count: 7, writeRatio: 0.5, think: 1.5us, hot: { fraction: 0.2 } }",
  );
  assert.deepEqual(steps, [
    { op: "create", size: 64 * MiB, debug: true },
    { op: "addPages", offset: 0, length: 32 * MiB - 4 * PAGE, type: "REG", perm: 7, measure: false, chunk: MiB },
    { op: "addPages", offset: 32 * MiB - 4 * PAGE, length: 4 * PAGE, type: "TCS", perm: 0, measure: false, chunk: MiB },
    { op: "init" },
    { op: "mmap" },
    {
      op: "run",
      threads: 3,
      phases: [
        { type: "access", pattern: { kind: "hotcold", hotFraction: 0.2, hotProbability: 0.9 }, offset: 8 * MiB, pages: 4096, count: 7, writeRatio: 0.5, thinkNs: 1500 },
      ],
    },
    { op: "exit", code: 0 },
  ]);
});

test("compact enclave program: defaults, no access, and no REG region when only TCS pages are added", () => {
  assert.deepEqual(stepsOf("{ enclave: { size: 1MiB } }"), [
    { op: "create", size: MiB, debug: false },
    { op: "addPages", offset: 0, length: MiB - PAGE, type: "REG", perm: 7, measure: true, chunk: MiB },
    { op: "addPages", offset: MiB - PAGE, length: PAGE, type: "TCS", perm: 0, measure: true, chunk: MiB },
    { op: "init" },
    { op: "mmap" },
    { op: "exit", code: 0 },
  ]);
  assert.deepEqual(
    stepsOf("{ enclave: { size: 64KiB, add: 8KiB, tcs: 2 } }").map((s) => (s.op === "addPages" ? `${s.op}:${s.type}` : s.op)),
    ["create", "addPages:TCS", "init", "mmap", "exit"],
  );
  // the kernel, not the loader, refuses an ELRANGE that is not a power of two
  assert.equal(stepsOf("{ enclave: { size: 12KiB } }")[0]?.op, "create");
});

test("access phases: pattern, idle, grow, shrink; zipf skew default", () => {
  const steps = stepsOf(
    "\n      enclave: { size: 1MiB, add: 64KiB }\n      access: { phases: [ {pattern: zipf, pages: 8KiB, count: 3}, {idle: 500ms}, {grow: 8KiB}, {shrink: 4KiB}, {pattern: uniform, pages: 4096, count: 0} ] }",
  );
  const run = steps.find((s) => s.op === "run");
  assert.deepEqual(run, {
    op: "run",
    threads: 1,
    phases: [
      { type: "access", pattern: { kind: "zipf", skew: 0.99 }, offset: 0, pages: 2, count: 3, writeRatio: 0, thinkNs: 0 },
      { type: "idle", durationNs: 500_000_000 },
      { type: "grow", bytes: 8 * KiB },
      { type: "shrink", bytes: 4 * KiB },
      { type: "access", pattern: { kind: "uniform" }, offset: 0, pages: 1, count: 0, writeRatio: 0, thinkNs: 0 },
    ],
  });
});

test("preset test_sgx_oversubscribed is a function of the total EPC", () => {
  const T = 16 * MiB;
  assert.deepEqual(presetTestSgxOversubscribed(T), [
    { op: "create", size: 32 * MiB, debug: false },
    { op: "addPages", offset: 0, length: 2 * PAGE, type: "TCS", perm: 0, measure: true, chunk: 2 * PAGE },
    { op: "addPages", offset: 2 * PAGE, length: 4 * PAGE, type: "REG", perm: 5, measure: true, chunk: 4 * PAGE },
    { op: "addPages", offset: 6 * PAGE, length: 4 * PAGE, type: "REG", perm: 3, measure: true, chunk: 4 * PAGE },
    { op: "addPages", offset: 10 * PAGE, length: T, type: "REG", perm: 3, measure: false, chunk: T },
    { op: "init" },
    { op: "mmap" },
    { op: "ecall", touches: [6 * PAGE] },
    { op: "ecall", touches: [6 * PAGE] },
    { op: "exit", code: 0 },
  ]);
  // the smallest power of two holding the 10 binary pages and the heap
  assert.deepEqual(presetTestSgxOversubscribed(32 * PAGE)[0], { op: "create", size: 64 * PAGE, debug: false });
  assert.deepEqual(presetTestSgxOversubscribed(22 * PAGE)[0], { op: "create", size: 32 * PAGE, debug: false }, "a power of two that fits exactly");
  const two = "machine: { sections: [ {size: 8MiB}, {size: 4MiB} ] }\n";
  assert.deepEqual(stepsOf("{ preset: test_sgx_oversubscribed }", two), presetTestSgxOversubscribed(12 * MiB));
});

test("vm program: vepc, hold (null without hold), exit", () => {
  assert.deepEqual(stepsOf("{ vm: { epc: 16MiB, touch: all, hold: 1s } }"), [
    { op: "vepc", bytes: 16 * MiB, touch: 16 * MiB },
    { op: "hold", durationNs: 1e9 },
    { op: "exit", code: 0 },
  ]);
  assert.deepEqual(stepsOf("{ vm: { epc: 16MiB, touch: 4MiB } }"), [
    { op: "vepc", bytes: 16 * MiB, touch: 4 * MiB },
    { op: "hold", durationNs: null },
    { op: "exit", code: 0 },
  ]);
});

test("steps program: every step form and its defaults", () => {
  const program = `
      steps:
        - create: { size: 1MiB, debug: true, expect: EINVAL }
        - addPages: { offset: 0, length: 16KiB }
        - addPages: { offset: 16KiB, length: 8KiB, type: tcs, measure: false, chunk: 4KiB, expect: EBUSY }
        - addPages: { offset: 24KiB, length: 4KiB, perm: rx }
        - init: null
        - init: {}
        - init: { expect: EINVAL }
        - init:
        - mmap: {}
        - mmap: { expect: EACCES }
        - run: { threads: 2, access: { pattern: sequential, pages: 8KiB, count: 4 } }
        - ecall: { touch: [ 0, 8KiB, "4096" ] }
        - modifyTypes: { offset: 8KiB, length: 4KiB, type: trim, expect: EPERM }
        - modifyTypes: { offset: 8KiB, length: 4KiB, type: tcs }
        - restrictPermissions: { offset: 0, length: 4KiB, perm: r, expect: ERESTARTSYS }
        - restrictPermissions: { offset: 0, length: 4KiB, perm: "" }
        - eaccept: { offset: 8KiB, length: 4KiB }
        - removePages: { offset: 8KiB, length: 4KiB, expect: ENOTTY }
        - fork: { hold: 2ms }
        - idle: 5ms
        - close: {}
        - vepc: { epc: 1MiB, touch: all }
        - hold: 3s
        - hold: null`;
  assert.deepEqual(stepsOf(program), [
    { op: "create", size: MiB, debug: true, expect: "EINVAL" },
    { op: "addPages", offset: 0, length: 16 * KiB, type: "REG", perm: 3, measure: true, chunk: 16 * KiB },
    { op: "addPages", offset: 16 * KiB, length: 8 * KiB, type: "TCS", perm: 0, measure: false, chunk: 4 * KiB, expect: "EBUSY" },
    { op: "addPages", offset: 24 * KiB, length: 4 * KiB, type: "REG", perm: 5, measure: true, chunk: 4 * KiB },
    { op: "init" },
    { op: "init" },
    { op: "init", expect: "EINVAL" },
    { op: "init" },
    { op: "mmap" },
    { op: "mmap", expect: "EACCES" },
    { op: "run", threads: 2, phases: [{ type: "access", pattern: { kind: "sequential" }, offset: 0, pages: 2, count: 4, writeRatio: 0, thinkNs: 0 }] },
    { op: "ecall", touches: [0, 8 * KiB, 4096] },
    { op: "modifyTypes", offset: 8 * KiB, length: 4 * KiB, pageType: "TRIM", expect: "EPERM" },
    { op: "modifyTypes", offset: 8 * KiB, length: 4 * KiB, pageType: "TCS" },
    { op: "restrictPermissions", offset: 0, length: 4 * KiB, perm: 1, expect: "ERESTARTSYS" },
    { op: "restrictPermissions", offset: 0, length: 4 * KiB, perm: 0 },
    { op: "eaccept", offset: 8 * KiB, length: 4 * KiB },
    { op: "removePages", offset: 8 * KiB, length: 4 * KiB, expect: "ENOTTY" },
    { op: "fork", holdNs: 2_000_000 },
    { op: "idle", durationNs: 5_000_000 },
    { op: "close" },
    { op: "vepc", bytes: MiB, touch: MiB },
    { op: "hold", durationNs: 3e9 },
    { op: "hold", durationNs: null },
    { op: "exit", code: 0 },
  ]);
  // an explicit exit is kept and nothing is appended
  assert.deepEqual(stepsOf("{ steps: [ { create: { size: 1MiB } }, { exit: 3 } ] }"), [
    { op: "create", size: MiB, debug: false },
    { op: "exit", code: 3 },
  ]);
});

test("processes: file order, replicas expanded in index order, start and cgroup", () => {
  const s = parseScenarioText(
    [
      "processes:",
      "  - { name: build-and-scan, replicas: 2, start: 3ms, cgroup: /apps, program: { vm: { epc: 1MiB } } }",
      "  - { name: solo.v1_x, program: { vm: { epc: 1MiB } } }",
      "  - { name: one, replicas: 1, program: { vm: { epc: 1MiB } } }",
    ].join("\n"),
    "s.yaml",
  );
  assert.deepEqual(
    s.processes.map((p) => [p.name, p.start, p.cgroup]),
    [
      ["build-and-scan[0]", 3e6, "/apps"],
      ["build-and-scan[1]", 3e6, "/apps"],
      ["solo.v1_x", 0, "/"],
      ["one", 0, "/"],
    ],
  );
});

test("events: kill (instance or base name, SIGKILL default), memoryFailure; sorted by time, stable", () => {
  const s = parseScenarioText(
    [
      "processes:",
      "  - { name: b, replicas: 2, program: { vm: { epc: 1MiB } } }",
      "events:",
      "  - { at: 3s, memoryFailure: { frame: 100, actionRequired: true, process: 'b[0]' } }",
      '  - { at: 2s, kill: "b[1]", signal: SIGTERM }',
      "  - { at: 2s, kill: b }",
      "  - { at: 0, memoryFailure: { frame: 0 } }",
      "  - { at: 2s, kill: b, signal: SIGUSR1 }",
    ].join("\n"),
    "s.yaml",
  );
  assert.deepEqual(s.events, [
    { at: 0, action: { type: "memoryFailure", frame: 0, actionRequired: false, process: null } },
    { at: 2e9, action: { type: "kill", target: "b[1]", signal: "SIGTERM" } },
    { at: 2e9, action: { type: "kill", target: "b", signal: "SIGKILL" } },
    { at: 2e9, action: { type: "kill", target: "b", signal: "SIGUSR1" } },
    { at: 3e9, action: { type: "memoryFailure", frame: 100, actionRequired: true, process: "b[0]" } },
  ]);
});

test("every example file loads", () => {
  // dist/src/scenario/ -> the repository's examples/
  const dir = fileURLToPath(new URL("../../../examples/", import.meta.url));
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.includes("quickstart.yaml") && files.includes("steps.yaml"));
  for (const f of files) {
    const s = loadScenarioFile(join(dir, f));
    assert.ok(s.processes.length > 0, f);
  }
  const steps = loadScenarioFile(join(dir, "steps.yaml")).processes[0]?.steps ?? [];
  assert.ok(steps.some((s) => s.op === "addPages" && s.expect === "EBUSY"), "steps.yaml shows a duplicate ADD_PAGES with expect: EBUSY");
  const quick = loadScenarioFile(join(dir, "quickstart.yaml"));
  assert.equal(quick.kernel, "mainline");
  assert.equal(quick.machine.sections.reduce((n, x) => n + x.size, 0), 128 * MiB);
  assert.ok(quick.processes.some((p) => p.steps[0]?.op === "vepc"), "a vm guest");
});

test("steps program: the selftest forms (checked accesses, vDSO exceptions, TCS entry, SECINFO, EMODPE, ranges, retries)", () => {
  const program = `
      steps:
        - ecall: { write: 28KiB, vdso: true }
        - ecall: { read: [ 24KiB, "28KiB" ], tcs: 4KiB }
        - ecall: { write: 28KiB, exception: { vector: 14, errorCode: 0x8007, address: 28KiB } }
        - ecall: { resume: true, tcs: 0 }
        - ecall: {}
        - eaccept: { offset: 44KiB, length: 4KiB, secinfo: "R|W|REG|PENDING", tcs: 4KiB }
        - eaccept: { offset: 44KiB, length: 4KiB, secinfo: "trim | modified" }
        - emodpe: { offset: 28KiB, length: 4KiB, perm: rw, tcs: 4KiB }
        - mprotect: { offset: 28KiB, length: 4KiB, prot: r }
        - modifyTypes: { offset: 40KiB, length: 1MiB, type: trim, retry: true }
        - restrictPermissions: { offset: 0, length: 4KiB, perm: r, retry: true }
        - removePages: { offset: 40KiB, length: 1MiB, retry: true }`;
  assert.deepEqual(stepsOf(program), [
    { op: "ecall", touches: [], writes: [28 * KiB], vdso: true },
    { op: "ecall", touches: [], reads: [24 * KiB, 28 * KiB], tcs: 4 * KiB },
    { op: "ecall", touches: [], writes: [28 * KiB], vdso: true, exception: { vector: 14, errorCode: 0x8007, address: 28 * KiB } },
    { op: "ecall", touches: [], tcs: 0, resume: true },
    { op: "ecall", touches: [] },
    { op: "eaccept", offset: 44 * KiB, length: PAGE, tcs: PAGE, secinfo: { type: "REG", perm: 3, pending: true, modified: false, pr: false } },
    { op: "eaccept", offset: 44 * KiB, length: PAGE, secinfo: { type: "TRIM", perm: 0, pending: false, modified: true, pr: false } },
    { op: "emodpe", offset: 28 * KiB, length: PAGE, perm: 3, tcs: PAGE },
    { op: "mprotect", prot: 1, offset: 28 * KiB, length: PAGE },
    { op: "modifyTypes", offset: 40 * KiB, length: MiB, pageType: "TRIM", retry: true },
    { op: "restrictPermissions", offset: 0, length: PAGE, perm: 1, retry: true },
    { op: "removePages", offset: 40 * KiB, length: MiB, retry: true },
    { op: "exit", code: 0 },
  ]);
});

test("a trace phase finds a trace already read under traceKey(): untimed without timing: trace, timed with it", () => {
  // the file does not exist: the phase can only get its pages from the traces it is handed
  const file = "/nonexistent/epcsim/t.oracleGeneral";
  const trace = (timeNs: Float64Array | null): Trace => ({
    source: file,
    format: "oracleGeneral",
    compressed: false,
    requests: 3,
    page: Uint32Array.from([0, 1, 0]),
    tenantOf: null,
    tenants: [""],
    distinctPages: [2],
    timeNs,
    write: null,
    skipped: 0,
  });
  const text = (timing: string): string =>
    `processes:\n  - name: p\n    program:\n      enclave: { size: 64KiB, add: 64KiB, measure: false }\n      access: { trace: { file: ${file}${timing} } }\n`;
  const untimed = new Map([[traceKey(file, undefined, true, true), trace(null)]]);
  const s = parseScenarioText(text(""), "s.yaml", { traces: untimed });
  assert.ok(s.processes[0]?.steps.some((st) => st.op === "run"));
  // timing: trace asks for the timed read, which this map does not have: the phase tries the file
  assert.throws(() => parseScenarioText(text(", timing: trace"), "s.yaml", { traces: untimed }), /cannot be opened/);
  const timed = new Map([[traceKey(file, undefined, true, false), trace(Float64Array.from([0, 1e6, 2e6]))]]);
  assert.doesNotThrow(() => parseScenarioText(text(", timing: trace"), "s.yaml", { traces: timed }));
});
