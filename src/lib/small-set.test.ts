import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SmallSet } from "./small-set.js";

test("SmallSet holds what a Set holds under any sequence of adds and deletes", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), { maxLength: 60 }), (ops) => {
      const keys = [0, 1, 2, 3, 4, 5].map((k) => ({ k }));
      const ours = new SmallSet<object>();
      const model = new Set<object>();
      for (const [add, k] of ops) {
        const key = keys[k] as object;
        if (add) {
          ours.add(key);
          model.add(key);
        } else assert.equal(ours.delete(key), model.delete(key));
        assert.equal(ours.size, model.size);
        for (const x of keys) assert.equal(ours.has(x), model.has(x));
      }
    }),
  );
});

test("SmallSet.addAll adds each item once", () => {
  const a = new SmallSet<object>();
  const b = new SmallSet<object>();
  const x = {};
  const y = {};
  a.add(x);
  b.add(x);
  b.add(y);
  a.addAll(b);
  assert.equal(a.size, 2);
  assert.ok(a.has(y));
});
