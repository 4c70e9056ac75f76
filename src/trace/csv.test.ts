import { test } from "node:test";
import assert from "node:assert/strict";
import { eachChunking, traceDir } from "../testing/trace-files.js";
import { readTrace } from "./read.js";

const files = traceDir();
const csv = (name: string, text: string): string => files.file(name, text);

test("csv: page ids map to pages in first-seen order; other columns are read past", () => {
  const t = readTrace(csv("p.csv", "size,page,comment\n4096,500,a\n4096,3,b\n1,500,c\n9,0x10,d\n"));
  assert.equal(t.format, "csv");
  assert.deepEqual([...t.page], [0, 1, 0, 2]);
  assert.deepEqual(t.distinctPages, [3]);
  assert.deepEqual(t.tenants, [""]);
  assert.equal(t.tenantOf, null);
  assert.equal(t.timeNs, null);
  assert.equal(t.write, null);
});

test("csv: an address column maps address / 4096, decimal or 0x-hex up to 64 bits", () => {
  const t = readTrace(csv("a.csv", "ADDRESS\n4095\n4096\n0x1fff\n0x7ffff000a123\n0xffffffffffffffff\n0x0000000000000000fff\n8191\n"));
  // pages 0, 1, 1, 0x7ffff000a, 0xfffffffffffff, 0, 1
  assert.deepEqual([...t.page], [0, 1, 1, 2, 3, 0, 1]);
  assert.deepEqual(t.distinctPages, [4]);
});

test("csv: tenants in first-seen order, each with its own pages; op and time columns", () => {
  const text = ["tenant,page,op,time", "db,7,read,1", "web,7,W,1.5", "db,8,r,2", '"web",7,write,2e0', '"x""y",1,WRITE,3'].join("\n");
  const t = readTrace(csv("t.csv", text));
  assert.deepEqual(t.tenants, ["db", "web", 'x"y']);
  assert.deepEqual([...t.tenantOf!], [0, 1, 0, 1, 2]);
  assert.deepEqual([...t.page], [0, 0, 1, 0, 0]);
  assert.deepEqual(t.distinctPages, [2, 1, 1]);
  assert.deepEqual([...t.write!], [0, 1, 0, 1, 1]);
  assert.deepEqual([...t.timeNs!], [1e9, 1.5e9, 2e9, 2e9, 3e9]);
});

test("csv: time_ms, time_us and time_ns name other units", () => {
  for (const [col, ns] of [
    ["time_ms", 1e6],
    ["time_us", 1e3],
    ["time_ns", 1],
  ] as const) {
    const t = readTrace(csv(`${col}.csv`, `page,${col}\n1,5\n2,7\n`));
    assert.deepEqual([...t.timeNs!], [5 * ns, 7 * ns], col);
  }
});

test("csv: CRLF lines, a byte-order mark, blank lines, quotes and spaces around fields", () => {
  const t = readTrace(csv("crlf.csv", '\ufeff"page" , op\r\n\r\n 12 ,r\r\n"13", "w" \r\n   \r\n12,R'));
  assert.deepEqual([...t.page], [0, 1, 0]);
  assert.deepEqual([...t.write!], [0, 1, 0]);
});

test("csv: lines cut by the read buffer, compressed or not, read the same as whole", () => {
  const lines = ["tenant,page,time_ns"];
  for (let i = 0; i < 3000; i++) lines.push(`t${i % 7},${(i * 7919) % 541},${i}`);
  const text = lines.join("\n");
  const whole = readTrace(csv("many.csv", text));
  eachChunking(files, "many.csv", text, [32, 100, 4096], (t, what) => {
    assert.deepEqual(t.page, whole.page, what);
    assert.deepEqual(t.tenantOf, whole.tenantOf, what);
    assert.deepEqual(t.timeNs, whole.timeNs, what);
    assert.deepEqual(t.tenants, whole.tenants, what);
  });
  assert.equal(whole.requests, 3000);
  assert.deepEqual(whole.tenants, ["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
});

test("csv: bad input is one line naming the file, the line and what was expected", () => {
  const cases: [string, string][] = [
    ["time,obj,size\n1,2,3\n", ':1: the header names no page or address column (it has: "time", "obj", "size"), expected a header line naming page or address, and optionally time, tenant and op.'],
    ["page,address\n1,2\n", ":1: the header names both page and address, expected one of them."],
    ["page,time,Page\n1,2,3\n", ":1: the header names page twice, expected each column once."],
    ["page,time,time_ns\n1,2,3\n", ":1: the header names 2 time columns (time, time_ns), expected one."],
    ["page\n1\nabc\n", ':3: page "abc" is not a number, expected a decimal or 0x-hex page id.'],
    ["page\n-1\n", ':2: page "-1" is not a number, expected a decimal or 0x-hex page id.'],
    ["page\n9007199254740992\n", ':2: page "9007199254740992" is past 2^53 - 1, expected a page id of at most 9007199254740991.'],
    ["page\n0x20000000000000\n", ':2: page "0x20000000000000" is past 2^53 - 1, expected a page id of at most 9007199254740991.'],
    ["address\n0x10000000000000000\n", ':2: address "0x10000000000000000" is past 2^64 - 1, expected a 64-bit address.'],
    ["address\n9007199254740993\n", ':2: address "9007199254740993" is past 2^53 - 1 and cannot be read exactly in decimal, expected a smaller address or one in 0x-hex.'],
    ["address\n0xz\n", ':2: address "0xz" is not a number, expected a decimal or 0x-hex byte address.'],
    ["page,op\n1,read\n2,rw\n", ':3: op "rw" is neither read nor write, expected read, write, r or w (any case).'],
    ["page,op\n1,\n", ':2: op "" is neither read nor write, expected read, write, r or w (any case).'],
    ["page,time\n1,-2\n", ':2: time "-2" is not a non-negative number, expected a decimal number of seconds.'],
    ["page,time_us\n1,soon\n", ':2: time "soon" is not a non-negative number, expected a decimal number of microseconds.'],
    ["page,tenant\n1,\n", ":2: the tenant is empty, expected a tenant name."],
    ["page,tenant\n1,a\n2\n", ":3: the line has 1 fields, expected 2 as the header has."],
    ["page,tenant\n1,a,b\n", ":2: the line has 3 fields, expected 2 as the header has."],
    ['page,tenant\n1,"a\n', ':2: field 2 opens a quote that the line does not close, expected "..." within the line.'],
    ['page,tenant\n1,"a"b\n', ":2: field 2 has text after its closing quote, expected a comma."],
    ['page\n"12""3"\n', ':2: page "12\\"3" is not a number, expected a decimal or 0x-hex page id.'],
    ["page\n\x1b[31m\n", ':2: page "\\u001b[31m" is not a number, expected a decimal or 0x-hex page id.'],
  ];
  cases.forEach(([text, message], i) => {
    const f = csv(`bad${i}.csv`, text);
    assert.throws(() => readTrace(f), { name: "TraceError", message: `${f}${message}` }, text);
  });
});

test("csv: an empty file or a header alone is an empty trace", () => {
  const empty = csv("empty.csv", "\n\n");
  assert.throws(() => readTrace(empty), { message: `${empty}: the trace is empty, expected a header line and at least one request.` });
  const header = csv("header.csv", "page,op\n");
  assert.throws(() => readTrace(header), { message: `${header}: the trace has no requests, expected at least one line after the header.` });
});
