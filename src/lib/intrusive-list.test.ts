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
