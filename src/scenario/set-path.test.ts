import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFieldPath, parseSetArgument } from "./set-path.js";

test("--set paths: dotted keys, list indexes, bracketed keys in either quote; the value is the rest", () => {
  const table: [string, (string | number)[], string][] = [
    ["policy.oomVictim=most-epc", ["policy", "oomVictim"], "most-epc"],
    ["processes[2].memory=1MiB", ["processes", 2, "memory"], "1MiB"],
    ['cgroups["/a"]["misc.max"]=sgx_epc 1048576', ["cgroups", "/a", "misc.max"], "sgx_epc 1048576"],
    ["cgroups['/a']['memory.max']=64M", ["cgroups", "/a", "memory.max"], "64M"],
    ['cgroups["/a=b"]["x"]=y=z', ["cgroups", "/a=b", "x"], "y=z"],
    ['a["quote \\" inside"]=1', ["a", 'quote " inside'], "1"],
    ["machine.sections[0][1].size=", ["machine", "sections", 0, 1, "size"], ""],
    ["seed=1,2,3", ["seed"], "1,2,3"],
  ];
  for (const [arg, path, value] of table) assert.deepEqual(parseSetArgument(arg), { path, value }, arg);
});

test("a malformed --set path says what was expected, and where", () => {
  const table: [string, RegExp][] = [
    ["seed", /^expected =VALUE at character 5 of "seed"/u],
    ["=1", /^expected a key \(use \["\.\.\."\] for one with dots, slashes or spaces\) at character 1/u],
    ["a..b=1", /^expected a key .* at character 3/u],
    ["cgroups[/a]=1", /^expected a list index or a quoted key inside \[ \], such as \[2\] or \["\/a"\] at character 8/u],
    ['cgroups["/a"=1', /^expected a list index or a quoted key inside/u],
    ['a["\\x"]=1', /^expected a key in double quotes with JSON escapes/u],
    ['cgroups["/a"]x=1', /^expected ".", "\[" or "=" at character 14/u],
  ];
  for (const [arg, re] of table) assert.throws(() => parseSetArgument(arg), { message: re }, arg);
});

test("field paths print as --set takes them", () => {
  assert.equal(formatFieldPath(["processes", 2, "program", "vm", "epc"]), "processes[2].program.vm.epc");
  assert.equal(formatFieldPath(["cgroups", "/a", "misc.max"]), 'cgroups["/a"]["misc.max"]');
  assert.equal(formatFieldPath([]), "(top level)");
  const weird = ["x", 'a"b', "c d"];
  assert.deepEqual(parseSetArgument(`${formatFieldPath(weird)}=1`).path, weird, "round trip");
});
