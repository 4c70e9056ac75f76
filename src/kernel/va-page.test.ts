import { test } from "node:test";
import assert from "node:assert/strict";
import { VaPages } from "./va-page.js";

test("VA slots are handed out lowest first as byte offsets, and the page is full after 512", () => {
  const v = new VaPages(1);
  const va = v.alloc(0);
  assert.equal(v.allocSlot(va), 0);
  assert.equal(v.allocSlot(va), 8);
  assert.equal(v.allocSlot(va), 16);
  v.freeSlot(va, 8);
  assert.equal(v.allocSlot(va), 8, "a freed slot is reused first");
  for (let i = 3; i < 512; i++) assert.equal(v.allocSlot(va), i * 8);
  assert.ok(v.isFull(va));
  assert.equal(v.allocSlot(va), 4096, "a full page returns 4096 without taking anything");
  assert.equal(v.used[va], 512);
  v.freeSlot(va, 511 * 8);
  assert.ok(!v.isFull(va));
  assert.ok(!v.isSlotUsed(va, 511 * 8));
  assert.ok(v.isSlotUsed(va, 510 * 8));
});

test("VA page ids are recycled and grow past the initial capacity with a clean bitmap", () => {
  const v = new VaPages(1);
  const a = v.alloc(0);
  v.allocSlot(a);
  const b = v.alloc(1);
  assert.notEqual(a, b);
  assert.equal(v.used[b], 0);
  v.release(a);
  const c = v.alloc(2);
  assert.equal(c, a);
  assert.equal(v.allocSlot(c), 0, "the recycled page's bitmap was cleared");
  assert.equal(v.live, 2);
});
