import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText, ScenarioError, type LoadOverrides } from "./load.js";
import { presetTestSgxOversubscribed } from "./presets.js";
import { scenarioJsonSchema } from "./schema.js";

const MiB = 1024 * 1024;

function error(text: string, overrides: LoadOverrides = {}): string {
  try {
    parseScenarioText(text, "s.yaml", overrides);
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
  // keys with dots or slashes are written as --set takes them
  assert.match(error("cgroups: { /a: { misc.mx: 1 } }\n"), /^s\.yaml:1:18: cgroups\["\/a"\]\["misc\.mx"\]: unknown key "misc\.mx"/);
  const auto = parseScenarioText("processes:\n  - { name: p, cgroup: /k8s/pod1, program: { vm: { epc: 1MiB } } }\n", "s.yaml");
  assert.deepEqual(auto.cgroups, [{ path: "/k8s/pod1", writes: [] }], "an undeclared process cgroup is created at time zero");
});

const SET_BASE = [
  "kernel: v17",
  "cgroups:",
  '  /a: { misc.max: "sgx_epc 4096" }',
  "processes:",
  "  - { name: p, program: { vm: { epc: 1MiB } } }",
  "  - { name: q, program: { vm: { epc: 1MiB } } }",
  "  - { name: r, cgroup: /a, program: { vm: { epc: 1MiB } } }",
  "",
].join("\n");

function setError(set: Record<string, string>, text = SET_BASE): string {
  return error(text, { set });
}

test("--set reaches every field: dotted paths, list items, and bracketed keys with dots or slashes", () => {
  const s = parseScenarioText(SET_BASE, "s.yaml", {
    set: {
      'cgroups["/a"]["misc.max"]': "sgx_epc 1048576",
      "processes[2].memory": "1MiB",
      "policy.oomVictim": "most-epc",
      "cgroups['/b']": "{ memory.max: 64M }",
      "processes[1].program.vm.epc": "2MiB",
    },
  });
  assert.deepEqual(s.cgroups, [
    { path: "/a", writes: [{ file: "misc.max", value: "sgx_epc 1048576" }] },
    { path: "/b", writes: [{ file: "memory.max", value: "64M" }] },
  ]);
  assert.equal(s.processes[2]?.memoryBytes, MiB);
  assert.equal(s.options.oomVictim, "most-epc");
  assert.deepEqual(s.processes[1]?.steps[0], { op: "vepc", bytes: 2 * MiB, touch: 2 * MiB });
  // the index after the last item adds one
  const more = parseScenarioText(SET_BASE, "s.yaml", { set: { "processes[3]": "{ name: s, program: { vm: { epc: 1MiB } } }" } });
  assert.deepEqual(
    more.processes.map((p) => p.name),
    ["p", "q", "r", "s"],
  );
  // missing mappings and lists are created on the way
  const made = parseScenarioText("", "s.yaml", { set: { "machine.cpus": "2", "machine.sections[0].size": "1MiB", 'cgroups["/x"]["/y"]': "null" } });
  assert.equal(made.machine.cpus, 2);
  assert.deepEqual(made.machine.sections, [{ size: MiB, node: 0 }]);
  assert.deepEqual(made.cgroups, [
    { path: "/x", writes: [] },
    { path: "/x/y", writes: [] },
  ]);
  // a key such as __proto__ is an own field, refused as unknown, and pollutes nothing
  assert.match(setError({ "__proto__.polluted": "1" }), /--set __proto__\.polluted=1: __proto__: unknown key "__proto__"/u);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("an error in a --set value names the --set argument, not a line of the file", () => {
  assert.equal(
    setError({ "processes[2].memory": "1Mb" }),
    's.yaml: --set processes[2].memory=1Mb: expected a size such as 64MiB or 4096 (bytes), got "1Mb"; did you mean 1MiB (1048576 bytes) or 1MB (1000000 bytes)?',
  );
  // below the field set: the field is named after the argument
  assert.equal(setError({ "processes[1].program": "{ vm: { epc: 3 } }" }), "s.yaml: --set processes[1].program={ vm: { epc: 3 } }: processes[1].program.vm.epc: expected a guest EPC size that is a multiple of 4096 bytes, got 3");
  // a field the override created, above the one it set
  assert.match(setError({ "polcy.oomVictim": "most-epc" }), /^s\.yaml: --set polcy\.oomVictim=most-epc: polcy: unknown key "polcy"; expected one of kernel, /u);
  assert.equal(setError({ 'cgroups["/a"]["misc.mx"]': "1" }), 's.yaml: --set cgroups["/a"]["misc.mx"]=1: unknown key "misc.mx"; expected one of misc.max, memory.max, cgroup.subtree_control or a child cgroup path starting with "/"');
  // paths that do not fit the document
  assert.equal(setError({ "processes[9].memory": "1MiB" }), "s.yaml: --set processes[9].memory=1MiB: processes has 3 item(s): expected an index up to 3 (3 adds an item)");
  assert.equal(setError({ "processes.memory": "1MiB" }), "s.yaml: --set processes.memory=1MiB: processes is a list: expected an index such as [0], so .memory does not apply");
  assert.equal(setError({ "kernel.x": "1" }), 's.yaml: --set kernel.x=1: kernel is "v17", not a mapping, so .x does not apply');
  assert.equal(setError({ "kernel[0]": "1" }), "s.yaml: --set kernel[0]=1: kernel is not a list, so [0] does not apply");
  assert.match(setError({ seed: "[1" }), /^s\.yaml: --set seed=\[1: the value is not valid YAML: /u);
  assert.match(setError({ "cgroups[/a]": "1" }), /^s\.yaml: --set cgroups\[\/a\]=1: expected a list index or a quoted key inside \[ \], such as \[2\] or \["\/a"\] at character 8 of /u);
  // a problem the override did not touch still points at its line
  assert.equal(setError({ seed: "2" }, `${SET_BASE}machine: { cpus: many }\n`), 's.yaml:8:18: machine.cpus: expected a number, got "many"');
});

test("a process cgroup that cgroups: does not declare is a warning naming the closest declared path", () => {
  const text = [
    "kernel: v17",
    "cgroups:",
    '  /pods: { misc.max: "sgx_epc 1048576" }',
    "  /pods/web: null",
    "  /batch: null",
    "processes:",
    "  - { name: a, cgroup: /pods/wbe, program: { vm: { epc: 1MiB } } }",
    "  - { name: b, cgroup: /pods/wbe, program: { vm: { epc: 1MiB } } }",
    "  - { name: c, cgroup: /pods, program: { vm: { epc: 1MiB } } }",
    "  - { name: d, cgroup: /late, program: { vm: { epc: 1MiB } } }",
    "events:",
    "  - { at: 1ms, mkdir: /late }",
    "",
  ].join("\n");
  const warnings: string[] = [];
  const s = parseScenarioText(text, "s.yaml", { onWarning: (m) => warnings.push(m), set: { "processes[2].cgroup": "/bacth" } });
  assert.deepEqual(warnings, [
    's.yaml:7:24: processes[0].cgroup: "/pods/wbe" is not declared in cgroups (it is created at time zero, without limits); the closest declared cgroup is "/pods/web"',
    's.yaml: --set processes[2].cgroup=/bacth: "/bacth" is not declared in cgroups (it is created at time zero, without limits); the closest declared cgroup is "/batch"',
  ]);
  assert.ok(s.cgroups.some((c) => c.path === "/pods/wbe"), "the run still proceeds, with the cgroup created");
  // without a cgroups: section an undeclared cgroup is the documented default, and says nothing
  const quiet: string[] = [];
  parseScenarioText("processes:\n  - { name: a, cgroup: /k8s/pod1, program: { vm: { epc: 1MiB } } }\n", "s.yaml", { onWarning: (m) => quiet.push(m) });
  assert.deepEqual(quiet, []);
});
