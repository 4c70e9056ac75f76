import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSampler } from "./patterns.js";
import { Rng } from "./random.js";
import type { AccessPattern } from "../scenario/types.js";

const patterns: AccessPattern[] = [
  { kind: "sequential" },
  { kind: "uniform" },
  { kind: "zipf", skew: 0.99 },
  { kind: "zipf", skew: 0.5 },
  { kind: "zipf", skew: 1 },
  { kind: "zipf", skew: 1.5 },
  { kind: "hotcold", hotFraction: 0.1, hotProbability: 0.9 },
];

test("every sampler returns integer pages in [0, pages)", () => {
  fc.assert(
    fc.property(fc.constantFrom(...patterns), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(1000), (pattern, pages, seed) => {
      const s = createSampler(pattern, pages);
      const rng = Rng.fromSeed(seed);
      for (let i = 0; i < 100; i++) {
        const x = s.next(rng);
        assert.ok(Number.isInteger(x) && x >= 0 && x < pages, `${pattern.kind}: ${x} of ${pages}`);
      }
    }),
  );
});

test("sequential walks the pages in order and wraps", () => {
  const s = createSampler({ kind: "sequential" }, 3);
  const rng = Rng.fromSeed(1);
  assert.deepEqual(Array.from({ length: 7 }, () => s.next(rng)), [0, 1, 2, 0, 1, 2, 0]);
});

function zipfShare(n: number, s: number, rank: number): number {
  let h = 0;
  for (let k = 1; k <= n; k++) h += k ** -s;
  return rank ** -s / h;
}

for (const [pages, skew] of [
  [1000, 0.99],
  [100, 1.5],
  [1000, 0.5],
] as const) {
  test(`zipf(${pages}, ${skew}) gives ranks 1 and 2 their theoretical shares`, () => {
    const s = createSampler({ kind: "zipf", skew }, pages);
    const rng = Rng.fromSeed(3);
    const n = 200_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const x = s.next(rng);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    for (const rank of [1, 2]) {
      const expected = zipfShare(pages, skew, rank);
      const got = (counts.get(rank - 1) ?? 0) / n;
      assert.ok(Math.abs(got - expected) < 0.05 * expected + 0.001, `rank ${rank}: ${got} vs ${expected}`);
    }
  });
}

test("hotcold sends about hotProbability of the accesses to the hot pages", () => {
  const s = createSampler({ kind: "hotcold", hotFraction: 0.2, hotProbability: 0.8 }, 1000);
  const rng = Rng.fromSeed(5);
  let hot = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) if (s.next(rng) < 200) hot++;
  assert.ok(Math.abs(hot / n - 0.8) < 0.01, `${hot / n}`);
});
