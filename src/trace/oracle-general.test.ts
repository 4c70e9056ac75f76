import { test } from "node:test";
import assert from "node:assert/strict";
import { eachChunking, oracleBytes, traceDir, zstd } from "../testing/trace-files.js";
import { readTrace } from "./read.js";

const files = traceDir();

test("oracleGeneral: ids map to pages in first-seen order, times from seconds to ns", () => {
  const f = files.file(
    "a.oracleGeneral",
    oracleBytes([
      { time: 10, id: 900 },
      { time: 11, id: 2 ** 40 },
      { time: 11, id: 900 },
      { time: 12, id: 7 },
      { time: 4294967295, id: 2 ** 40 },
    ]),
  );
  const t = readTrace(f);
  assert.equal(t.format, "oracleGeneral");
  assert.equal(t.compressed, false);
  assert.equal(t.requests, 5);
  assert.deepEqual([...t.page], [0, 1, 0, 2, 1]);
  assert.deepEqual(t.tenants, [""]);
  assert.equal(t.tenantOf, null);
  assert.deepEqual(t.distinctPages, [3]);
  assert.deepEqual([...t.timeNs!], [10e9, 11e9, 11e9, 12e9, 4294967295e9]);
  assert.equal(t.write, null);
});

test("oracleGeneral: records of size 0 are left out, as libCacheSim's reader does", () => {
  const f = files.file("skip.oracleGeneral", oracleBytes([{ id: 1 }, { id: 2, size: 0 }, { id: 3, size: 1 }]));
  const t = readTrace(f);
  assert.deepEqual([...t.page], [0, 1]);
  assert.equal(t.skipped, 1);
  assert.deepEqual(t.distinctPages, [2]);
});

test("oracleGeneral: the largest exact id, 2^53 - 1, is read; 2^53 is bad input naming the record", () => {
  const ok = files.file("max.oracleGeneral", oracleBytes([{ id: 2 ** 53 - 1 }, { id: 0 }, { id: 2 ** 53 - 1 }]));
  assert.deepEqual([...readTrace(ok).page], [0, 1, 0]);
  const bad = files.file("big.oracleGeneral", oracleBytes([{ id: 1 }, { id: 2 }, { id: 2n ** 64n - 1n }]));
  assert.throws(() => readTrace(bad), {
    name: "TraceError",
    message: `${bad}: record 3: object id 18446744073709551615 is past 2^53 - 1 and cannot be mapped exactly, expected an id of at most 9007199254740991.`,
  });
  const justPast = files.file("past.oracleGeneral", oracleBytes([{ id: 2n ** 53n }]));
  assert.throws(() => readTrace(justPast), { message: `${justPast}: record 1: object id 9007199254740992 is past 2^53 - 1 and cannot be mapped exactly, expected an id of at most 9007199254740991.` });
});

test("oracleGeneral: a truncated final record is bad input naming its number", () => {
  const whole = oracleBytes([{ id: 1 }, { id: 2 }]);
  const f = files.file("cut.oracleGeneral", Buffer.concat([whole, Buffer.alloc(10)]));
  assert.throws(() => readTrace(f), {
    name: "TraceError",
    message: `${f}: record 3: truncated: the trace ends 10 bytes into this record (58 bytes, not a multiple of 24), expected whole 24-byte records.`,
  });
  const z = files.file("cut.oracleGeneral.zst", zstd(Buffer.concat([whole, Buffer.alloc(10)])));
  assert.throws(() => readTrace(z), {
    message: `${z}: record 3: truncated: the decompressed trace ends 10 bytes into this record (58 bytes, not a multiple of 24), expected whole 24-byte records.`,
  });
});

test("oracleGeneral: an empty trace, or one of size-0 records only, is bad input", () => {
  const empty = files.file("empty.oracleGeneral", "");
  assert.throws(() => readTrace(empty), { message: `${empty}: the trace is empty, expected at least one 24-byte record.` });
  const zeros = files.file("zeros.oracleGeneral", oracleBytes([{ id: 1, size: 0 }, { id: 2, size: 0 }]));
  assert.throws(() => readTrace(zeros), {
    message: `${zeros}: the trace has no requests (its 2 records all have size 0, which libCacheSim skips), expected at least one 24-byte record.`,
  });
});

test("oracleGeneral: records cut by the read buffer, compressed or not, read the same as whole", () => {
  const records = Array.from({ length: 1000 }, (_, i) => ({ time: i >> 3, id: (i * 7919) % 97 + (i % 5 === 0 ? 2 ** 45 : 0) }));
  const raw = oracleBytes(records);
  const whole = readTrace(files.file("many.oracleGeneral", raw));
  eachChunking(files, "many.oracleGeneral", raw, [24, 50, 1000, 4096], (t, what) => {
    assert.deepEqual(t.page, whole.page, what);
    assert.deepEqual(t.timeNs, whole.timeNs, what);
    assert.deepEqual(t.distinctPages, whole.distinctPages, what);
  });
  assert.equal(whole.requests, 1000);
  assert.equal(whole.distinctPages[0], new Set(records.map((r) => r.id)).size);
});
