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
  assert.equal(error("kernel: v5\nkernel: v17\n"), 's.yaml:2:1: kernel: the key "kernel" appears twice in one mapping (first at line 1, column 1); each key may appear only once');
  assert.equal(error('{"seed": 1,\n "kernel" "v5"}\n', "s.yaml"), "s.yaml:2:11: the file is not valid YAML or JSON: Missing , or : between flow map items");
  assert.match(error('{"seed": 1,\n "kernel" "v5"}\n', "s.json"), /^s\.json:2:11: the file is not strict JSON: unexpected string /u);
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


/** loads `content` written to a file named `name`, expecting a one-line ScenarioError with no raw control character */
function fileError(name: string, content: string | Uint8Array): { file: string; message: string } {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-bad-"));
  const file = join(dir, name);
  writeFileSync(file, content);
  try {
    loadScenarioFile(file);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `a ScenarioError, got ${String(e)}`);
    assert.doesNotMatch(e.message, /[\u0000-\u001f\u007f-\u009f]/u, `no raw control character: ${JSON.stringify(e.message)}`);
    return { file, message: e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.fail(`${name} was accepted`);
}

test("a binary file is one line naming the file and where it stops being text", () => {
  const png = fileError("image.yaml", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  assert.equal(png.message, `${png.file}:1:1: the file is not valid YAML or JSON: byte 0x89 is not UTF-8 text (a scenario is a YAML or JSON text file; is this a binary file?)`);
  // a PNG header parses as one YAML scalar: the check comes first
  const ascii = fileError("s.yaml", "seed: 1\nkernel: v5\u0000\u0000\u001b[31m\n");
  assert.equal(ascii.message, `${ascii.file}:2:11: the file is not valid YAML or JSON: the control character U+0000 is not allowed in a YAML or JSON file (is this a binary file?)`);
  const esc = fileError("s.json", '{"seed": "\u001b]0;pwned\u0007"}');
  assert.match(esc.message, /:1:11: the file is not valid YAML or JSON: the control character U\+001B /u);
  assert.match(fileError("gz.yaml", Uint8Array.from([0x1f, 0x8b, 0x08, 0x00])).message, /gz\.yaml:1:2: the file is not valid YAML or JSON: byte 0x8b is not UTF-8 text/u);
  // U+FFFD spelt in the file is text; a tab and CRLF line ends are allowed
  assert.equal(parseScenarioText("seed: 1\r\nmachine:\t{ cpus: 2 }  # \ufffd\n", "s.yaml").machine.cpus, 2);
});

test("an alias bomb (billion laughs) stops with one line at its first alias", () => {
  const rows = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (const [i, name] of ["b", "c", "d", "e", "f", "g", "h"].entries()) rows.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`);
  assert.equal(
    error(`${rows.join("\n")}\n`),
    's.yaml:2:8: the file is not valid YAML or JSON: its aliases expand into more than 1000 copies (a guard against resource-exhaustion input such as "billion laughs")',
  );
  // a few aliases, as a scenario uses them, are fine
  const s = parseScenarioText("processes:\n  - { name: a, program: &p { vm: { epc: 1MiB } } }\n  - { name: b, program: *p }\n", "s.yaml");
  assert.deepEqual(s.processes[1]?.steps, s.processes[0]?.steps);
  // nesting by the thousand overflows the parser's stack: one line too
  assert.match(error(`seed: ${"[".repeat(5000)}${"]".repeat(5000)}\n`), /^s\.yaml:1:\d+: the file is not valid YAML or JSON: it nests too deeply for the parser/u);
});

test("a duplicate key is named, with where it first appeared, in YAML and in JSON", () => {
  assert.equal(error("machine:\n  cpus: 2\n  epc: 1MiB\n  cpus: 3\n"), 's.yaml:4:3: machine.cpus: the key "cpus" appears twice in one mapping (first at line 2, column 3); each key may appear only once');
  assert.equal(
    error('cgroups:\n  /a: { misc.max: "sgx_epc 4096", misc.max: "sgx_epc 8192" }\n'),
    's.yaml:2:35: cgroups["/a"]["misc.max"]: the key "misc.max" appears twice in one mapping (first at line 2, column 9); each key may appear only once',
  );
  assert.equal(
    error('{\n  "processes": [\n    {"name": "a", "name": "b"}\n  ]\n}\n', "s.json"),
    's.json:3:19: processes[0].name: the key "name" appears twice in one mapping (first at line 3, column 6); each key may appear only once',
  );
});

test("a .json file must be strict JSON: the reason at its line:column, without the text V8 quotes", () => {
  const hint = "(a .json file is parsed as JSON: no trailing commas, comments or single quotes)";
  const cases: [string, string][] = [
    ['{\n  "seed": 1,\n  "kernel": "v5",\n}\n', `s.json:4:1: the file is not strict JSON: expected double-quoted property name ${hint}`],
    ['{\n  "machine": { "epc": "1MiB" },\n  "processes": [1, 2,]\n}\n', `s.json:3:22: the file is not strict JSON: unexpected token ']' ${hint}`],
    ['{\n  // a comment\n  "seed": 1\n}\n', `s.json:2:3: the file is not strict JSON: expected property name or '}' ${hint}`],
    ['{"seed": 1, "kernel": \'v5\', "machine": {"epc": "1MiB"}}', `s.json:1:23: the file is not strict JSON: unexpected token ''' ${hint}`],
    ['{"machine": {"epc": "1MiB"}, "seed": 1, "kernel": \'v5\'}', `s.json:1:51: the file is not strict JSON: unexpected token ''' ${hint}`],
    ['{"seed": 1', `s.json:1:11: the file is not strict JSON: expected ',' or '}' after property value ${hint}`],
    ['{"a": x}', `s.json: the file is not strict JSON: unexpected token 'x' ${hint}`],
  ];
  for (const [text, expected] of cases) {
    assert.equal(error(text, "s.json"), expected, text);
    // the same text as YAML is YAML's business (flow collections allow a trailing comma)
    assert.doesNotMatch(error(`${text}\nbogus: 1\n`, "s.yaml"), /strict JSON/u);
  }
  assert.equal(parseScenarioText('\ufeff{"seed": 3}', "S.JSON").seed, 3, "a byte-order mark is not an error");
});

test("a message that quotes input escapes control characters: values and keys", () => {
  // a double-quoted YAML string may spell any character as an escape; bidirectional overrides are printable
  assert.equal(error('machine: { epc: "64\\x9bMiB" }\n'), 's.yaml:1:17: machine.epc: expected a size such as 64MiB or 4096 (bytes), got "64\\u009bMiB"; did you mean 64MiB?');
  assert.equal(error('seed: "\\e[2J\\e]0;title\\a"\n'), 's.yaml:1:7: seed: expected a number, got "\\u001b[2J\\u001b]0;title\\u0007"');
  assert.equal(error("kernel: \"v5\u202e\"\n"), 's.yaml:1:9: kernel: expected one of "mainline", "v17", "v5", got "v5\\u202e"');
  assert.match(error("\u202ebogus: 1\n"), /^s\.yaml:1:1: \["\\u202ebogus"\]: unknown key "\\u202ebogus"/u);
});
