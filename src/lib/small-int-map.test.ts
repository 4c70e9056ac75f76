import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SmallIntMap } from "./small-int-map.js";

test("SmallIntMap behaves like a Map, below and past the size at which it becomes one", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("set", "delete", "get"), fc.integer({ min: -5, max: 150 }), fc.integer()), { maxLength: 400 }), (ops) => {
      const m = new SmallIntMap();
      const model = new Map<number, number>();
      for (const [op, k, v] of ops) {
        if (op === "set") {
          m.set(k, v);
          model.set(k, v);
        } else if (op === "delete") assert.equal(m.delete(k), model.delete(k));
        else assert.equal(m.get(k), model.get(k));
        assert.equal(m.size, model.size);
      }
      for (const [k, v] of model) assert.equal(m.get(k), v);
    }),
  );
});
