import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { traceDir } from "../testing/trace-files.js";
import { generateOracleGeneral, writeOracleGeneral, type GenerateOptions } from "./generate.js";
import { readTrace } from "./read.js";

const files = traceDir();
const zipf: GenerateOptions = { requests: 20000, pages: 1000, distribution: "zipf", seed: 7 };

/** the records as { time, id, size, next } */
function records(bytes: Uint8Array): { time: number; id: number; size: number; next: bigint }[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: b.length / 24 }, (_, i) => ({
    time: b.readUInt32LE(i * 24),
    id: Number(b.readBigUInt64LE(i * 24 + 4)),
    size: b.readUInt32LE(i * 24 + 12),
    next: b.readBigInt64LE(i * 24 + 16),
  }));
}

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

test("generate: the same options give the same bytes, another seed other ones", () => {
  assert.equal(sha(generateOracleGeneral(zipf)), sha(generateOracleGeneral(zipf)));
  assert.notEqual(sha(generateOracleGeneral(zipf)), sha(generateOracleGeneral({ ...zipf, seed: 8 })));
  assert.notEqual(sha(generateOracleGeneral(zipf)), sha(generateOracleGeneral({ ...zipf, distribution: "uniform" })));
});

test("generate: time is the request index, size a page, next the 1-based position of the next request for the id or -1", () => {
  const recs = records(generateOracleGeneral({ ...zipf, requests: 3000, pages: 50 }));
  const later = new Map<number, number>();
  for (let i = recs.length - 1; i >= 0; i--) {
    const r = recs[i]!;
    assert.equal(r.time, i);
    assert.equal(r.size, 4096);
    assert.ok(r.id >= 0 && r.id < 50);
    const next = later.get(r.id);
    assert.equal(r.next, next === undefined ? -1n : BigInt(next + 1), `record ${i}`);
    later.set(r.id, i);
  }
});

test("generate: zipf is skewed as k^-alpha, uniform is flat", () => {
  const count = (o: GenerateOptions): number[] => {
    const c = new Array<number>(o.pages).fill(0);
    for (const r of records(generateOracleGeneral(o))) c[r.id]!++;
    return c;
  };
  const z = count({ ...zipf, requests: 200000 });
  // P(1) / P(10) = 10^0.9 = 7.94, P(1) / P(100) = 63
  assert.ok(Math.abs(z[0]! / z[9]! - 10 ** 0.9) < 1, `${z[0]} / ${z[9]}`);
  assert.ok(Math.abs(z[0]! / z[99]! / 10 ** 1.8 - 1) < 0.2, `${z[0]} / ${z[99]}`);
  const skewed = count({ ...zipf, requests: 200000, alpha: 1.5 });
  assert.ok(skewed[0]! / skewed[9]! > 25, "alpha 1.5: 10^1.5 = 31.6");
  const u = count({ ...zipf, requests: 200000, distribution: "uniform" });
  assert.ok(Math.max(...u) < 260 && Math.min(...u) > 140, `uniform 200 per page: ${Math.min(...u)}..${Math.max(...u)}`);
});

test("generate: the file reads back, pages in first-seen order", () => {
  const f = files.file("g.oracleGeneral", "");
  writeOracleGeneral(f, zipf);
  const t = readTrace(f);
  assert.equal(t.requests, zipf.requests);
  const ids = records(generateOracleGeneral(zipf)).map((r) => r.id);
  const first = new Map<number, number>();
  for (const id of ids) if (!first.has(id)) first.set(id, first.size);
  assert.deepEqual([...t.page], ids.map((id) => first.get(id)));
  assert.deepEqual(t.distinctPages, [first.size]);
  assert.equal(t.timeNs![19999], 19999e9);
});

test("generate: out-of-range options are refused", () => {
  assert.throws(() => generateOracleGeneral({ ...zipf, requests: 0 }), RangeError);
  assert.throws(() => generateOracleGeneral({ ...zipf, pages: 1.5 }), RangeError);
  assert.throws(() => generateOracleGeneral({ ...zipf, alpha: 0 }), RangeError);
});
