import { test } from "node:test";
import assert from "node:assert/strict";
import { CgroupTree, kstrtou64, U64_MAX, type Cgroup } from "./misc.js";

const PAGE = 4096;

function tree(capacity = 256 * PAGE, mode: "6.11" | "pre-6.11" = "6.11"): { t: CgroupTree; a: Cgroup; b: Cgroup } {
  const t = new CgroupTree(capacity, mode);
  const a = t.mkdir("/a") as Cgroup;
  const b = t.mkdir("/a/b") as Cgroup;
  return { t, a, b };
}

test("misc.max grammar: every row of the spec's table (1.4)", () => {
  const rows: [string, number, string | null][] = [
    ["sgx_epc 1048576\n", 0, "sgx_epc 1048576\n"],
    ["sgx_epc max", 0, "sgx_epc max\n"],
    ["sgx_epc 18446744073709551615", 0, "sgx_epc max\n"],
    ["sgx_epc", -22, null],
    ["SGX_EPC 1", -22, null],
    ["sgx_epc -1", -22, null],
    ["sgx_epc 99999999999999999999", -34, null],
    ["sgx_epc  4096", -22, null],
    ["sgx_epc 0x1000", 0, "sgx_epc 4096\n"],
    ["sgx_epc 4097", 0, "sgx_epc 4097\n"],
    ["  sgx_epc 8192  \n", 0, "sgx_epc 8192\n"],
    ["sgx_epc 010", 0, "sgx_epc 8\n"],
    ["sgx_epc +5", 0, "sgx_epc 5\n"],
    ["sgx_epc 12abc", -22, null],
    ["sev 1", -22, null],
    ["sgx_epc ", -22, null],
  ];
  for (const [text, ret, readBack] of rows) {
    const { t, a } = tree();
    assert.equal(t.writeMax(a, text), ret, JSON.stringify(text));
    assert.equal(t.readFile(a, "misc.max"), readBack ?? "sgx_epc max\n", JSON.stringify(text));
  }
});

test("without the sgx_epc resource (capacity 0) a valid write fails with EINVAL and files are empty", () => {
  const { t, a } = tree(0);
  assert.equal(t.writeMax(a, "sgx_epc 4096"), -22);
  assert.equal(t.readFile(t.root, "misc.capacity"), "");
  assert.equal(t.readFile(a, "misc.current"), "");
  assert.equal(t.readFile(a, "misc.max"), "");
});

test("a charge rejected by an ancestor counts at the ancestor, not the leaf (6.11+)", () => {
  const { t, a, b } = tree();
  t.writeMax(a, `sgx_epc ${2 * PAGE}`);
  assert.deepEqual(t.tryCharge(b, PAGE), { ok: true });
  assert.deepEqual(t.tryCharge(b, PAGE), { ok: true });
  const r = t.tryCharge(b, PAGE);
  assert.ok(!r.ok && r.failedAt === a);
  assert.equal(t.readFile(a, "misc.events"), "sgx_epc.max 1\n");
  assert.equal(t.readFile(a, "misc.events.local"), "sgx_epc.max 1\n");
  assert.equal(t.readFile(b, "misc.events"), "sgx_epc.max 0\n");
  assert.equal(t.root.events, 0, "the root is not counted from 6.11");
  assert.equal(t.readFile(b, "misc.current"), `sgx_epc ${2 * PAGE}\n`);
  assert.equal(t.readFile(t.root, "misc.current"), `sgx_epc ${2 * PAGE}\n`);
  // peak quirk: b's watermark was raised before a rejected the charge
  assert.equal(t.readFile(b, "misc.peak"), `sgx_epc ${3 * PAGE}\n`);
  assert.equal(t.readFile(a, "misc.peak"), `sgx_epc ${2 * PAGE}\n`);
});

test("before 6.11 every level up to the root counts the event and there is no events.local or peak", () => {
  const { t, a, b } = tree(256 * PAGE, "pre-6.11");
  t.writeMax(a, `sgx_epc ${PAGE}`);
  t.tryCharge(b, PAGE);
  t.tryCharge(b, PAGE);
  assert.equal(a.events, 1);
  assert.equal(t.root.events, 1);
  assert.equal(b.events, 0);
  assert.equal(t.readFile(a, "misc.events.local"), -2);
  assert.equal(t.readFile(a, "misc.peak"), -2);
});

test("the capacity is checked at every level: the root rejects although the child is unlimited (M3)", () => {
  const { t, a, b } = tree(2 * PAGE);
  const c = t.mkdir("/c") as Cgroup;
  t.tryCharge(c, PAGE);
  t.tryCharge(c, PAGE);
  const r = t.tryCharge(b, PAGE);
  assert.ok(!r.ok && r.failedAt === t.root);
  assert.equal(t.root.usage, 2 * PAGE);
  assert.equal(b.usage + a.usage, 0, "rolled back at every level");
  assert.equal(t.readFile(b, "misc.events"), "sgx_epc.max 0\n");
  assert.equal(t.readFile(a, "misc.events"), "sgx_epc.max 0\n", "a failure at the root is invisible");
  // a cgroup whose own usage passes the capacity fails at its own level
  const r2 = t.tryCharge(c, PAGE);
  assert.ok(!r2.ok && r2.failedAt === c);
});

test("files exist where the kernel has them", () => {
  const { t, a } = tree();
  assert.equal(t.readFile(t.root, "misc.max"), -2);
  assert.equal(t.readFile(t.root, "misc.events"), -2);
  assert.equal(t.readFile(a, "misc.capacity"), -2);
  assert.equal(t.readFile(t.root, "misc.capacity"), `sgx_epc ${256 * PAGE}\n`);
  assert.equal(t.readFile(t.root, "misc.current"), "sgx_epc 0\n");
});

test("mkdir and rmdir follow cgroupfs: EEXIST, ENOENT, EBUSY for a cgroup with children or processes", () => {
  const { t, a, b } = tree();
  assert.equal(t.mkdir("/a"), -17);
  assert.equal(t.mkdir("/x/y"), -2);
  assert.equal(t.rmdir("/a"), -16);
  b.procs.add(7);
  assert.equal(t.rmdir("/a/b"), -16);
  b.procs.delete(7);
  t.tryCharge(b, PAGE);
  assert.equal(t.rmdir("/a/b"), 0, "charges do not prevent rmdir");
  assert.ok(b.dying);
  assert.equal(t.get("/a/b"), undefined);
  assert.deepEqual(t.subtree(t.root), [t.root, a, b], "a dying cgroup with charges is still walked");
  assert.equal(t.rmdir("/a"), 0, "dying children do not keep the parent busy");
  assert.equal(a.usage, PAGE, "the charge stays with the ancestors");
  t.uncharge(b, PAGE);
  assert.equal(t.root.usage, 0);
  assert.deepEqual(t.subtree(t.root), [t.root], "freed with the last page, and the dying parent with it");
  assert.equal((t.mkdir("/a") as Cgroup).path, "/a", "the name can be used again");
  assert.equal(t.rmdir("/"), -16);
});

test("kstrtou64 with base 0", () => {
  assert.equal(kstrtou64("0"), 0n);
  assert.equal(kstrtou64("0x10"), 16n);
  assert.equal(kstrtou64("17\n"), 17n);
  assert.equal(kstrtou64("18446744073709551615"), U64_MAX);
  assert.equal(kstrtou64("18446744073709551616"), -34);
  assert.equal(kstrtou64("08"), -22);
  assert.equal(kstrtou64(""), -22);
  assert.equal(kstrtou64("0x"), -22);
});

test("memparse and memory.max: suffixes, bases, rounding down to pages", async () => {
  const { memparse, memoryMaxWrite, memoryFile } = await import("./memory.js");
  assert.equal(memparse("1K"), 1024n);
  assert.equal(memparse("2m"), 2n * 1024n * 1024n);
  assert.equal(memparse("0x10"), 16n);
  assert.equal(memparse("1.5G"), null);
  const { a } = tree();
  assert.equal(memoryMaxWrite(a, "5000\n"), 0);
  assert.equal(memoryFile(a, "memory.max"), "4096\n");
  assert.equal(memoryMaxWrite(a, "max"), 0);
  assert.equal(memoryFile(a, "memory.max"), "max\n");
  assert.equal(memoryMaxWrite(a, "-1"), -22);
  // the kernel's memparse(): no digits read as 0, arithmetic wraps at 2^64, hex digits are not suffixes
  assert.equal(memparse(""), 0n);
  assert.equal(memparse("k"), 0n);
  assert.equal(memparse("0x10e"), 0x10en);
  assert.equal(memparse("10e"), 10n << 60n);
  assert.equal(memparse("18446744073709551617"), 1n, "2^64 + 1 wraps to 1");
  assert.equal(memparse("16E"), 0n, "16 EiB shifted out of 64 bits");
  assert.equal(memparse("0x"), null, "0x without a hex digit: octal 0, then 'x' is left over");
  assert.equal(memparse("08"), null);
  assert.equal(memoryMaxWrite(a, "\n"), 0, "an empty write is a limit of 0");
  assert.equal(memoryFile(a, "memory.max"), "0\n");
});
