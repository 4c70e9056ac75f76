import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PairTags } from "./pair-tags.js";

test("PairTags keeps each entry's two sides as two plain arrays would, under any sets", () => {
  const side = fc.oneof(fc.nat(5), fc.constant(0), fc.integer({ min: 70_000, max: 70_003 }));
  const op = fc.record({ entry: fc.nat(31), which: fc.constantFrom("a" as const, "b" as const), value: side });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const tags = new PairTags(32);
      const a = new Array<number>(32).fill(0);
      const b = new Array<number>(32).fill(0);
      for (const o of ops) {
        if (o.which === "a") {
          tags.setA(o.entry, o.value);
          a[o.entry] = o.value;
        } else {
          tags.setB(o.entry, o.value);
          b[o.entry] = o.value;
        }
        for (let i = 0; i < 32; i++) {
          assert.equal(tags.a(i), a[i]);
          assert.equal(tags.b(i), b[i]);
        }
      }
      // one tag per distinct pair seen, (0, 0) from the start
      assert.ok(tags.size <= 1 + ops.length);
    }),
  );
});

test("PairTags: an entry costs 2 bytes until 65,536 pairs are in use, then 4, keeping every entry", () => {
  const tags = new PairTags(70_000);
  assert.equal(tags.bytesPerEntry(), 2);
  for (let i = 0; i < 66_000; i++) tags.setB(i, i + 1);
  assert.equal(tags.bytesPerEntry(), 4);
  for (const i of [0, 1, 65_534, 65_535, 65_999]) assert.equal(tags.b(i), i + 1);
  assert.equal(tags.a(65_999), 0);
  assert.equal(tags.b(66_000), 0, "an untouched entry is the pair (0, 0)");
});

test("PairTags keeps any side in [0, 2^32) and refuses others", () => {
  const tags = new PairTags(4);
  assert.throws(() => tags.setA(0, 2 ** 32), /a must be an integer/);
  tags.setA(1, 2 ** 32 - 1);
  tags.setB(1, 2 ** 32 - 1);
  assert.deepEqual([tags.a(1), tags.b(1)], [2 ** 32 - 1, 2 ** 32 - 1], "the largest sides are kept exactly");
  assert.throws(() => tags.setB(0, -1), /b must be an integer/);
  assert.throws(() => tags.setB(0, 1.5), /b must be an integer/);
});
