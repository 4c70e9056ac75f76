import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EventQueue } from "./event-queue.js";

test("EventQueue pops in (time, insertion order) order", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
      const q = new EventQueue();
      times.forEach((t, i) => q.push(t, i));
      const expected = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const got: number[] = [];
      while (q.size > 0) got.push(q.pop());
      assert.deepEqual(got, expected.map((e) => e[1]));
    }),
  );
});

test("EventQueue interleaves pushes and pops correctly", () => {
  const q = new EventQueue();
  q.push(5, 1);
  q.push(5, 2);
  assert.equal(q.peekTime(), 5);
  assert.equal(q.pop(), 1);
  q.push(5, 3);
  q.push(1, 4);
  assert.deepEqual([q.pop(), q.pop(), q.pop()], [4, 2, 3]);
  assert.equal(q.pop(), -1);
  assert.equal(q.peekTime(), Infinity);
});
