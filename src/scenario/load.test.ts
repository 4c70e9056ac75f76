import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText, ScenarioError } from "./load.js";
import { presetTestSgxOversubscribed } from "./presets.js";
import { scenarioJsonSchema } from "./schema.js";

const MiB = 1024 * 1024;

function error(text: string): string {
  try {
    parseScenarioText(text, "s.yaml");
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `a ScenarioError, got ${String(e)}`);
    assert.ok(!e.message.includes("\n"), "one line");
    return e.message;
  }
  assert.fail("the scenario was accepted");
}

test("bad input gives one line naming the file, line:column, field and what was expected", () => {
  const cases: [string, RegExp][] = [
    ["machine: { epc: 64 lemons }\n", /^s\.yaml:1:17: machine\.epc: expected a size such as 64MiB/],
    ["processes:\n  - name: x\n    program:\n      enclave: { size: 1MiB, sise: 3 }\n", /^s\.yaml:4:30: processes\[0\]\.program\.enclave\.sise: unknown key "sise"; expected one of size, add/],
    ["processes:\n  - name: x\n    program:\n      enclave: { size: 1MiB }\n      threads: 2\n", /^s\.yaml:5:16: processes\[0\]\.program\.threads: expected at most tcs \(1\) threads, got 2/],
    ["kernel: [\n", /^s\.yaml:\d+:\d+: the file is not valid YAML or JSON/],
    ["processes:\n  - name: x\n    program: { vm: { epc: 1MiB } }\nevents:\n  - { at: 1s, kill: y }\n", /^s\.yaml:5:21: events\[0\]\.kill: expected the name of a process instance, got "y"/],
    ["processes:\n  - name: x\n    program: { steps: [ { init: { expect: EWHAT } } ] }\n", /steps\[0\]\.init\.expect: expected one of "EPERM"/],
    ["machine: { profile: pentium }\n", /^s\.yaml:1:21: machine\.profile: expected one of client-128m/],
    ["processes:\n  - name: x\n    start: 10\n    program: { vm: { epc: 1MiB } }\n", /^s\.yaml:3:12: processes\[0\]\.start: expected a time with a unit/],
    ["processes:\n  - { name: x, program: { vm: { epc: 1MiB } } }\n  - { name: x, program: { vm: { epc: 1MiB } } }\n", /processes\[1\]\.name: expected a unique process name/],
    ["processes:\n  - name: x\n", /^s\.yaml:2:5: processes\[0\]\.program: is required/],
    ["seed: -1\n", /^s\.yaml:1:7: seed: expected a number >= 0, got -1/],
    ["kernel: linux\n", /^s\.yaml:1:9: kernel: expected one of "mainline", "v17", "v5", got "linux"/],
    ["machine: { epc: 1000 }\n", /machine\.epc: expected an EPC size that is a multiple of 4096 bytes, got 1000/],
    ["machine: { sections: [ {size: 1MiB, node: 1} ] , numaNodes: 1 }\n", /machine\.sections\[0\]\.node: expected a node below numaNodes \(1\), got 1/],
    ["processes:\n  - { name: x, program: { vm: { epc: 1MiB } } }\nevents:\n  - { at: 1s, memoryFailure: { frame: 999999 } }\n", /memoryFailure\.frame: expected a frame below 23936 \(the EPC has 23936 frames\)/],
    ["bogus: 1\n", /^s\.yaml:1:1: bogus: unknown key "bogus"; expected one of kernel, seed/],
  ];
  for (const [text, re] of cases) assert.match(error(text), re, text);
});

test("the compact enclave program lowers to create, ADD_PAGES (REG then TCS), init, mmap, run, exit", () => {
  const s = parseScenarioText(
    "machine: { epc: 128MiB }\nprocesses:\n  - name: b\n    replicas: 2\n    start: 5ms\n    program:\n      enclave: { size: 64MiB, add: 32MiB, measure: true, tcs: 2 }\n      threads: 2\n      access: { pattern: zipf, pages: 24MiB, count: 2000000, writeRatio: 0.3, think: 200ns }\n",
    "s.yaml",
  );
  assert.deepEqual(
    s.processes.map((p) => [p.name, p.start]),
    [
      ["b[0]", 5e6],
      ["b[1]", 5e6],
    ],
  );
  const steps = s.processes[0]?.steps ?? [];
  assert.deepEqual(
    steps.map((x) => x.op),
    ["create", "addPages", "addPages", "init", "mmap", "run", "exit"],
  );
  assert.deepEqual(steps[1], { op: "addPages", offset: 0, length: 32 * MiB - 8192, type: "REG", perm: 7, measure: true, chunk: 32 * MiB });
  assert.deepEqual(steps[2], { op: "addPages", offset: 32 * MiB - 8192, length: 8192, type: "TCS", perm: 0, measure: true, chunk: 32 * MiB });
  assert.deepEqual(steps[5], {
    op: "run",
    threads: 2,
    phases: [{ type: "access", pattern: { kind: "zipf", skew: 0.99 }, offset: 0, pages: 6144, count: 2000000, writeRatio: 0.3, thinkNs: 200 }],
  });
});

test("phases, vm and steps programs lower as documented", () => {
  const s = parseScenarioText(
    [
      "processes:",
      "  - name: a",
      "    program:",
      "      enclave: { size: 1MiB, add: 64KiB }",
      "      access: { phases: [ {pattern: sequential, pages: 8KiB, count: 3}, {idle: 5ms}, {grow: 8KiB}, {shrink: 4KiB}, {pattern: hotcold, pages: 8KiB, count: 1, hot: {fraction: 0.5}} ] }",
      "  - name: g",
      "    program: { vm: { epc: 1MiB, touch: 64KiB } }",
      "  - name: s",
      "    program: { steps: [ {create: {size: 1MiB}}, {addPages: {offset: 0, length: 4KiB, expect: EBUSY}}, {init: null}, {idle: 1ms}, {hold: null} ] }",
    ].join("\n"),
    "s.yaml",
  );
  const [a, g, st] = s.processes;
  const run = a?.steps.find((x) => x.op === "run");
  assert.ok(run !== undefined && run.op === "run");
  assert.deepEqual(
    run.phases.map((p) => p.type),
    ["access", "idle", "grow", "shrink", "access"],
  );
  assert.deepEqual(run.phases[4], { type: "access", pattern: { kind: "hotcold", hotFraction: 0.5, hotProbability: 0.9 }, offset: 0, pages: 2, count: 1, writeRatio: 0, thinkNs: 0 });
  assert.deepEqual(g?.steps, [{ op: "vepc", bytes: MiB, touch: 65536 }, { op: "hold", durationNs: null }, { op: "exit", code: 0 }]);
  assert.deepEqual(st?.steps, [
    { op: "create", size: MiB, debug: false },
    { op: "addPages", offset: 0, length: 4096, type: "REG", perm: 3, measure: true, chunk: 4096, expect: "EBUSY" },
    { op: "init" },
    { op: "idle", durationNs: 1e6 },
    { op: "hold", durationNs: null },
    { op: "exit", code: 0 },
  ]);
});

test("the selftest preset builds an enclave whose heap is the whole EPC", () => {
  const steps = presetTestSgxOversubscribed(128 * MiB);
  assert.deepEqual(steps[0], { op: "create", size: 256 * MiB, debug: false });
  const heap = steps[4];
  assert.ok(heap?.op === "addPages" && heap.length === 128 * MiB && heap.measure === false);
  assert.equal(steps.filter((s) => s.op === "ecall").length, 2);
  const s = parseScenarioText("machine: { epc: 16MiB }\nprocesses:\n  - { name: t, program: { preset: test_sgx_oversubscribed } }\n", "s.yaml");
  assert.deepEqual(s.processes[0]?.steps, presetTestSgxOversubscribed(16 * MiB));
});

test("machine defaults, NUMA split and seed override", () => {
  const s = parseScenarioText("seed: 5\nmachine: { epc: 12KiB, numaNodes: 2 }\n", "s.yaml", { seed: 9 });
  assert.equal(s.seed, 9);
  assert.deepEqual(s.machine.sections, [
    { size: 4096, node: 0 },
    { size: 8192, node: 1 },
  ]);
  assert.equal(s.machine.cpus, 8);
  assert.equal(s.machine.profile, "client-128m");
  assert.equal(s.kernel, "mainline");
});

test("a profile's platform gives the machine's EPC sections, NUMA nodes and CPUs; the scenario overrides each", () => {
  const icx = parseScenarioText("machine: { profile: icelake-server }\n", "s.yaml").machine;
  assert.deepEqual(icx.sections, [
    { size: 8 * 1024 ** 3, node: 0 },
    { size: 8 * 1024 ** 3, node: 1 },
  ]);
  assert.equal(icx.numaNodes, 2);
  assert.equal(icx.cpus, 64);
  // epc alone is split over the profile's nodes; cpus alone keeps the profile's EPC
  const small = parseScenarioText("machine: { profile: icelake-server, epc: 16MiB, cpus: 4 }\n", "s.yaml").machine;
  assert.deepEqual(small.sections, [
    { size: 8 * 1024 ** 2, node: 0 },
    { size: 8 * 1024 ** 2, node: 1 },
  ]);
  assert.equal(small.cpus, 4);
  const one = parseScenarioText("machine: { profile: icelake-server, numaNodes: 1 }\n", "s.yaml").machine;
  assert.deepEqual(one.sections, [{ size: 16 * 1024 ** 3, node: 0 }], "the profile's EPC over the given nodes");
  const sec = parseScenarioText("machine: { profile: icelake-server, sections: [ { size: 1MiB } ] }\n", "s.yaml").machine;
  assert.deepEqual(sec.sections, [{ size: 1024 ** 2, node: 0 }]);
  assert.equal(sec.numaNodes, 1);
  // cloud sizes by their own names, case-insensitively
  const az = parseScenarioText("machine: { profile: Standard_DC2s_v2 }\n", "s.yaml").machine;
  assert.equal(az.profile, "azure-dc2s-v2");
  assert.deepEqual(az.sections, [{ size: 56 * 1024 ** 2, node: 0 }]);
  assert.equal(az.cpus, 2);
  assert.throws(() => parseScenarioText("machine: { profile: Standard_DC3s_v2 }\n", "s.yaml"), /s\.yaml:1:21: machine\.profile: expected one of client-128m, .*got "Standard_DC3s_v2"$/);
});

test("the JSON Schema is JSON and describes every top-level key", () => {
  const schema = scenarioJsonSchema() as { properties?: Record<string, unknown> };
  const text = JSON.stringify(schema);
  assert.ok(text.length > 1000);
  for (const key of ["kernel", "seed", "until", "machine", "options", "processes", "events"]) assert.ok(key in (schema.properties ?? {}), key);
  for (const key of ["enclave", "preset", "vm", "steps", "memoryFailure", "addPages"]) assert.ok(text.includes(`"${key}"`), key);
});

test("the cgroups section: flat, nested and list forms, parents first, and one-line errors", () => {
  const flat = parseScenarioText('cgroups: { /a: { misc.max: "sgx_epc 4096" }, /a/b: null }\n', "s.yaml").cgroups;
  const nested = parseScenarioText('cgroups: { /a: { misc.max: "sgx_epc 4096", /b: null } }\n', "s.yaml").cgroups;
  const list = parseScenarioText('cgroups: [ { path: /a, files: { misc.max: "sgx_epc 4096" } }, { path: /a/b } ]\n', "s.yaml").cgroups;
  const expected = [
    { path: "/a", writes: [{ file: "misc.max", value: "sgx_epc 4096" }] },
    { path: "/a/b", writes: [] },
  ];
  assert.deepEqual(flat, expected);
  assert.deepEqual(nested, expected);
  assert.deepEqual(list, expected);
  assert.match(error("cgroups: { /a: { misc.mx: 1 } }\n"), /^s\.yaml:1:18: cgroups\.\/a\.misc\.mx: unknown key "misc\.mx"/);
  const auto = parseScenarioText("processes:\n  - { name: p, cgroup: /k8s/pod1, program: { vm: { epc: 1MiB } } }\n", "s.yaml");
  assert.deepEqual(auto.cgroups, [{ path: "/k8s/pod1", writes: [] }], "an undeclared process cgroup is created at time zero");
});
