import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SparseInt32Array } from "./sparse-array.js";

test("SparseInt32Array behaves like a Map with a default value", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: -1, max: 1000 })), { maxLength: 200 }),
      (ops) => {
        const a = new SparseInt32Array();
        const m = new Map<number, number>();
        for (const [i, v] of ops) {
          a.set(i, v);
          if (v === -1) m.delete(i);
          else m.set(i, v);
        }
        assert.equal(a.count, m.size);
        for (const [i, v] of m) assert.equal(a.get(i), v);
        const seen: [number, number][] = [];
        a.forEach(0, 1 << 21, (i, v) => seen.push([i, v]));
        assert.deepEqual(seen, [...m].sort((x, y) => x[0] - y[0]));
      },
    ),
  );
});

test("SparseInt32Array.forEach honours the range bounds", () => {
  const a = new SparseInt32Array();
  for (const i of [0, 4095, 4096, 9000, 20000]) a.set(i, i);
  const seen: number[] = [];
  a.forEach(4095, 9001, (i) => seen.push(i));
  assert.deepEqual(seen, [4095, 4096, 9000]);
  assert.equal(a.get(123456789), -1);
});
