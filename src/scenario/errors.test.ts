// Every problem with a scenario is one line: FILE:LINE:COL: field.path: what was expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenarioFile, parseScenarioText, ScenarioError } from "./load.js";

function error(text: string, source = "s.yaml"): string {
  try {
    parseScenarioText(text, source);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `a ScenarioError, got ${String(e)}`);
    assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
    return e.message;
  }
  assert.fail(`the scenario was accepted:\n${text}`);
}

const vm = "program: { vm: { epc: 1MiB } }";
const step = (s: string): string => `processes:\n  - name: x\n    program: { steps: [ ${s} ] }\n`;

test("a bad size gives the brief's exact message at the value", () => {
  const text = ["processes:", "  - name: x", "    program:", "      enclave:", "        size: 64 lemons", ""].join("\n");
  assert.equal(error(text, "examples/x.yaml"), 'examples/x.yaml:5:15: processes[0].program.enclave.size: expected a size such as 64MiB or 4096 (bytes), got "64 lemons"');
});

test("each kind of bad input names its line:column, field path and what was expected", () => {
  const cases: [string, string, string][] = [
    ["wrong type", "machine:\n  cpus: eight\n", 's.yaml:2:9: machine.cpus: expected a number, got "eight"'],
    ["wrong type (mapping)", "machine: 128MiB\n", 's.yaml:1:10: machine: expected a mapping, got "128MiB"'],
    ["wrong type (boolean)", "machine: { sgx2: yes please }\n", 's.yaml:1:18: machine.sgx2: expected true or false, got "yes please"'],
    ["non-integer", "machine: { cpus: 1.5 }\n", "s.yaml:1:18: machine.cpus: expected an integer, got 1.5"],
    ["unknown top-level key", "kernal: v17\n", 's.yaml:1:1: kernal: unknown key "kernal"; expected one of kernel, seed, until, machine, options, policy, processes, events, cgroups'],
    [
      "unknown key in a list item",
      `processes:\n  - name: x\n    replica: 2\n    ${vm}\n`,
      's.yaml:3:5: processes[0].replica: unknown key "replica"; expected one of name, start, replicas, cgroup, memory, program',
    ],
    [
      "a misspelt key is named rather than the key it was meant to be",
      "processes:\n  - name: x\n    program: { steps: [ { addPages: { offset: 0, lenght: 4096 } } ] }\n",
      's.yaml:3:50: processes[0].program.steps[0].addPages.lenght: unknown key "lenght"; expected one of offset, length, type, perm, measure, chunk, expect',
    ],
    ["time without a unit", `processes:\n  - name: x\n    start: 10\n    ${vm}\n`, "s.yaml:3:12: processes[0].start: expected a time with a unit such as 10ms, 200ns or 1.5s, got 10"],
    ["bad time unit", "until: 3 fortnights\n", 's.yaml:1:8: until: expected a time with a unit such as 10ms, 200ns or 1.5s, got "3 fortnights"'],
    ["missing required field: the parent mapping", "processes:\n  - name: x\n", "s.yaml:2:5: processes[0].program: is required"],
    [
      "missing required size",
      "processes:\n  - name: x\n    program:\n      enclave: { add: 8KiB }\n",
      "s.yaml:4:16: processes[0].program.enclave.size: is required (a size such as 64MiB or 4096 bytes)",
    ],
    ["enum", "kernel: linux\n", 's.yaml:1:9: kernel: expected one of "mainline", "v17", "v5", got "linux"'],
    [
      "duplicate process names",
      `processes:\n  - { name: x, ${vm} }\n  - { name: x, ${vm} }\n`,
      's.yaml:3:13: processes[1].name: expected a unique process name, but "x" is used twice',
    ],
    [
      "unknown kill target",
      `processes:\n  - { name: x, replicas: 2, ${vm} }\nevents:\n  - { at: 1s, kill: "x[2]" }\n`,
      's.yaml:4:21: events[0].kill: expected the name of a process instance, got "x[2]"',
    ],
    [
      "a replica suffix on a single process",
      `processes:\n  - { name: x, ${vm} }\nevents:\n  - { at: 1s, kill: "x[0]" }\n`,
      's.yaml:4:21: events[0].kill: expected the name of a process instance, got "x[0]"',
    ],
    [
      "threads > tcs",
      "processes:\n  - name: x\n    program:\n      enclave: { size: 1MiB, tcs: 2 }\n      threads: 3\n",
      "s.yaml:5:16: processes[0].program.threads: expected at most tcs (2) threads, got 3",
    ],
    ["unknown cost profile", "machine: { profile: pentium }\n", "s.yaml:1:21: machine.profile: expected one of "],
    ["unknown cost parameter", "machine:\n  costs: { ewb: 1, ewbb: 2 }\n", 's.yaml:2:20: machine.costs.ewbb: unknown cost parameter "ewbb"; expected one of '],
    [
      "bad errno name",
      "processes:\n  - name: x\n    program: { steps: [ { init: { expect: EWHAT } } ] }\n",
      's.yaml:3:43: processes[0].program.steps[0].init.expect: expected one of "EPERM", "ENOENT"',
    ],
    ["bad signal name", `processes:\n  - { name: x, ${vm} }\nevents:\n  - { at: 1s, kill: x, signal: SIGWINCH }\n`, 's.yaml:4:32: events[0].signal: expected one of "SIGHUP"'],
    ["memory failure beyond the EPC", "machine: { epc: 1MiB }\nevents:\n  - at: 0\n    memoryFailure: { frame: 256 }\n", "s.yaml:4:29: events[0].memoryFailure.frame: expected a frame below 256 (the EPC has 256 frames), got 256"],
    [
      "sizes that are not page multiples",
      "processes:\n  - name: x\n    program:\n      enclave: { size: 1MiB, add: 6KiB }\n",
      "s.yaml:4:35: processes[0].program.enclave.add: expected an added size that is a multiple of 4096 bytes, got 6144",
    ],
    [
      "too many EPC sections",
      `machine:\n  sections: [${Array.from({ length: 9 }, () => "{size: 1MiB}").join(", ")}]\n`,
      "s.yaml:2:13: machine.sections: expected at most 8 EPC sections (SGX_MAX_EPC_SECTIONS), got 9",
    ],
    ["a section on a missing node", "machine:\n  numaNodes: 2\n  sections: [ {size: 1MiB, node: 2} ]\n", "s.yaml:3:34: machine.sections[0].node: expected a node below numaNodes (2), got 2"],
    [
      "two program forms",
      "processes:\n  - name: x\n    program: { vm: { epc: 1MiB }, preset: test_sgx_oversubscribed }\n",
      "s.yaml:3:14: processes[0].program: expected a program with only one of the keys enclave, preset, vm, steps, got vm and preset",
    ],
    [
      "an unknown step",
      "processes:\n  - name: x\n    program: { steps: [ { eadd: {} } ] }\n",
      "s.yaml:3:25: processes[0].program.steps[0]: expected a step: a mapping with one of the keys ",
    ],
    // the selftest step forms refuse what they cannot mean
    ["read and write in one ECALL", step("{ ecall: { read: 0, write: 0 } }"), "s.yaml:3:34: processes[0].program.steps[0].ecall: expected read or write, not both"],
    ["touch mixed with checked accesses", step("{ ecall: { touch: [0], vdso: true } }"), "s.yaml:3:34: processes[0].program.steps[0].ecall: expected either touch"],
    ["a TCS offset inside a page", step("{ ecall: { tcs: 100 } }"), "s.yaml:3:41: processes[0].program.steps[0].ecall.tcs: expected a TCS offset"],
    ["an unknown SECINFO flag", step('{ eaccept: { offset: 0, length: 4096, secinfo: "R|BLUE|REG" } }'), "s.yaml:3:72: processes[0].program.steps[0].eaccept.secinfo: expected SECINFO flags among"],
    ["a SECINFO without a page type", step('{ eaccept: { offset: 0, length: 4096, secinfo: "R|W" } }'), "s.yaml:3:72: processes[0].program.steps[0].eaccept.secinfo: expected exactly one page type"],
    ["an exception without its address", step("{ ecall: { write: 0, exception: { vector: 14, errorCode: 7 } } }"), "s.yaml:3:57: processes[0].program.steps[0].ecall.exception.address: is required"],
    ["empty file", "", "s.yaml:1:1: (top level): expected a scenario mapping, got an empty file"],
    ["not a mapping", "- 1\n", "s.yaml:1:1: (top level): expected a mapping, got [1]"],
  ];
  for (const [what, text, expected] of cases) {
    const msg = error(text);
    assert.ok(msg.startsWith(expected), `${what}:\n  got      ${msg}\n  expected ${expected}`);
  }
});

test("YAML syntax errors become one line with line:column", () => {
  assert.match(error("seed: 1\nmachine: { epc: 1MiB\n"), /^s\.yaml:3:1: the file is not valid YAML or JSON: /);
  assert.match(error("kernel: v5\nkernel: v17\n"), /^s\.yaml:2:1: the file is not valid YAML or JSON: Map keys must be unique/);
  assert.equal(error('{"seed": 1,\n "kernel" "v5"}\n', "s.json"), "s.json:2:11: the file is not valid YAML or JSON: Missing , or : between flow map items");
});

test("files: JSON (tab-indented too) and YAML load; a missing file is one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-scenario-"));
  try {
    const json = join(dir, "s.json");
    writeFileSync(json, '{\n\t"seed": 4,\n\t"machine": {\n\t\t"epc": "16MiB"\n\t},\n\t"processes": [\n\t\t{"name": "g", "program": {"vm": {"epc": "1MiB"}}}\n\t]\n}\n');
    const s = loadScenarioFile(json, { seed: 11 });
    assert.equal(s.source, json);
    assert.equal(s.seed, 11);
    assert.deepEqual(s.machine.sections, [{ size: 16 * 2 ** 20, node: 0 }]);
    assert.equal(s.processes[0]?.name, "g");

    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{\n  "machine": {\n    "cpus": "many"\n  }\n}\n');
    assert.throws(() => loadScenarioFile(bad), { name: "ScenarioError", message: `${bad}:3:13: machine.cpus: expected a number, got "many"` });

    const missing = join(dir, "nope.yaml");
    assert.throws(() => loadScenarioFile(missing), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.match(e.message, new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot read the scenario file: `));
      assert.ok(!e.message.includes("\n"));
      return true;
    });
    assert.throws(() => loadScenarioFile(dir), /cannot read the scenario file: it is a directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad seed override is refused", () => {
  assert.throws(() => parseScenarioText("seed: 1\n", "s.yaml", { seed: -2 }), { name: "ScenarioError", message: "s.yaml: seed override: expected an integer >= 0, got -2" });
});

