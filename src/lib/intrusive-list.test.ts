import { test } from "node:test";
import assert from "node:assert/strict";
import { IdPool } from "./intrusive-list.js";

test("IdPool reuses the last freed id first, across more frees than its first stack holds, and grows its table when full", () => {
  const grown: number[] = [];
  const pool = new IdPool(4, (n) => grown.push(n));
  const ids = Array.from({ length: 200 }, () => pool.take());
  assert.deepEqual(ids.slice(0, 6), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(grown, [4, 8, 16, 32, 64, 128, 256]);
  for (const id of ids) pool.give(id);
  assert.equal(pool.live, 0);
  // last freed, first taken: 199, 198, ...
  assert.deepEqual([pool.take(), pool.take(), pool.take()], [199, 198, 197]);
  assert.equal(pool.live, 3);
  assert.deepEqual(grown, [4, 8, 16, 32, 64, 128, 256]);
});

test("IdPool hands out ids in the order a plain last-freed-first stack would, under any frees", async () => {
  const fc = (await import("fast-check")).default;
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40), fc.constant(-2)), { maxLength: 300 }), (ops) => {
      const pool = new IdPool(4, () => undefined);
      const model: number[] = [];
      let modelTop = 0;
      const live: number[] = [];
      for (const op of ops) {
        if (op === -1 || live.length === 0) {
          const id = pool.take();
          const expected = model.length > 0 ? (model.pop() as number) : modelTop++;
          assert.equal(id, expected);
          live.push(id);
        } else if (op === -2) {
          // free every live id in ascending order, as an enclave release does
          live.sort((a, b) => a - b);
          for (const id of live.splice(0)) {
            pool.give(id);
            model.push(id);
          }
        } else {
          const [id] = live.splice(op % live.length, 1) as [number];
          pool.give(id);
          model.push(id);
        }
        assert.equal(pool.live, live.length);
      }
    }),
    { numRuns: 300 },
  );
});

test("IdPool keeps a run of freed ids in arithmetic progression in one entry, ascending, descending or strided", () => {
  const pool = new IdPool(1024, () => undefined);
  const ids = Array.from({ length: 1000 }, () => pool.take());
  for (const id of ids) pool.give(id);
  assert.equal(pool.stackEntries, 1);
  const again = Array.from({ length: 1000 }, () => pool.take());
  assert.deepEqual(again, [...ids].reverse());
  for (const id of again) pool.give(id);
  assert.equal(pool.stackEntries, 1, "descending");
  const taken = Array.from({ length: 1000 }, () => pool.take());
  // two enclaves built side by side took every other id; each release frees its own
  for (const id of taken.filter((x) => x % 2 === 0)) pool.give(id);
  for (const id of taken.filter((x) => x % 2 === 1)) pool.give(id);
  assert.equal(pool.stackEntries, 2, "strided");
  assert.equal(pool.take(), 999);
});
