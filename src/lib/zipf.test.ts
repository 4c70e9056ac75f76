import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./random.js";
import { ZipfSampler } from "./zipf.js";

test("zipf: ranks in [0, n), P(k) ∝ k^-s for s below, at and above 1", () => {
  for (const s of [0.5, 0.9, 1, 2]) {
    const n = 50;
    const z = new ZipfSampler(n, s);
    const rng = Rng.fromSeed(3);
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < 100000; i++) {
      const k = z.next(rng);
      assert.ok(Number.isInteger(k) && k >= 0 && k < n);
      counts[k]!++;
    }
    const norm = Array.from({ length: n }, (_, k) => (k + 1) ** -s).reduce((a, b) => a + b, 0);
    for (const k of [0, 1, 4, 19]) {
      const want = (100000 * (k + 1) ** -s) / norm;
      assert.ok(Math.abs(counts[k]! - want) < 5 * Math.sqrt(want) + 5, `s=${s} rank ${k + 1}: ${counts[k]} vs ${want.toFixed(0)}`);
    }
  }
});

test("zipf: one rank is always rank 0; the same seed gives the same ranks", () => {
  assert.equal(new ZipfSampler(1, 0.9).next(Rng.fromSeed(1)), 0);
  const draw = (): number[] => {
    const z = new ZipfSampler(1000, 0.9);
    const r = Rng.fromSeed(11);
    return Array.from({ length: 20 }, () => z.next(r));
  };
  assert.deepEqual(draw(), draw());
});
