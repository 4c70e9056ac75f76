import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IdMap } from "./id-map.js";

test("ids get dense indices in first-seen order, known ids their old one", () => {
  const m = new IdMap();
  assert.deepEqual([7, 3, 7, 2 ** 53 - 1, 3, 0].map((id) => m.internNumber(id)), [0, 1, 0, 2, 1, 3]);
  assert.equal(m.size, 4);
  assert.equal(m.get(7, 0), 0);
  assert.equal(m.get(8, 0), -1);
});

test("ids that share a low half are told apart by the high half", () => {
  const m = new IdMap();
  assert.equal(m.intern(5, 0), 0);
  assert.equal(m.intern(5, 1), 1);
  assert.equal(m.intern(5, 0x1fffff), 2);
  assert.equal(m.internNumber(5 + 2 ** 32), 1);
});

test("the same indices as a Map in first-seen order, through many growths of both tables", () => {
  const around = (x: number): fc.Arbitrary<number> => fc.integer({ min: x - 3, max: x + 3 });
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat(50), fc.nat(5000), around(2 ** 22), fc.nat(2 ** 40), fc.constant(2 ** 53 - 1)), { maxLength: 3000 }), (ids) => {
      const m = new IdMap();
      const ref = new Map<number, number>();
      for (const id of ids) {
        if (!ref.has(id)) ref.set(id, ref.size);
        assert.equal(m.internNumber(id), ref.get(id));
      }
      assert.equal(m.size, ref.size);
    }),
    { numRuns: 50 },
  );
});
