import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Rng } from "./random.js";

test("the same seed gives the same sequence, another seed another one", () => {
  const a = Rng.fromSeed(42);
  const b = Rng.fromSeed(42);
  const c = Rng.fromSeed(43);
  const xs = Array.from({ length: 20 }, () => a.uint32());
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b.uint32()));
  assert.notDeepEqual(xs, Array.from({ length: 20 }, () => c.uint32()));
});

test("forked streams are deterministic and differ from the parent and from each other", () => {
  const mk = () => {
    const r = Rng.fromSeed(7);
    const f1 = r.fork();
    const f2 = r.fork();
    return [r, f1, f2].map((g) => Array.from({ length: 8 }, () => g.uint32()));
  };
  const [p, f1, f2] = mk();
  assert.deepEqual(mk(), [p, f1, f2]);
  assert.notDeepEqual(p, f1);
  assert.notDeepEqual(f1, f2);
});

test("int(n) stays in [0, n) and float() in [0, 1)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2 ** 40 }), (seed, n) => {
      const r = Rng.fromSeed(seed);
      for (let i = 0; i < 50; i++) {
        const x = r.int(n);
        assert.ok(Number.isInteger(x) && x >= 0 && x < n);
        const f = r.float();
        assert.ok(f >= 0 && f < 1);
      }
    }),
  );
});

test("int(10) is roughly uniform (chi-square, 9 degrees of freedom)", () => {
  const r = Rng.fromSeed(1);
  const counts = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[r.int(10)]!++;
  const chi = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi < 27.9, `chi-square ${chi}`); // p = 0.001
});
