import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSampler, type AccessPattern } from "./patterns.js";
import { Rng } from "../lib/random.js";

const patterns: AccessPattern[] = [
  { kind: "sequential" },
  { kind: "uniform" },
  { kind: "zipf", skew: 0.99 },
  { kind: "zipf", skew: 0.5 },
  { kind: "zipf", skew: 1 },
  { kind: "zipf", skew: 1.5 },
  { kind: "zipf", skew: 0.01 },
  { kind: "zipf", skew: 4 },
  { kind: "hotcold", hotFraction: 0.1, hotProbability: 0.9 },
  { kind: "hotcold", hotFraction: 0, hotProbability: 0.9 },
  { kind: "hotcold", hotFraction: 1, hotProbability: 0.5 },
];

const arbPattern: fc.Arbitrary<AccessPattern> = fc.oneof(
  fc.constantFrom(...patterns),
  fc.double({ min: 0.001, max: 8, noNaN: true }).map((skew): AccessPattern => ({ kind: "zipf", skew })),
  fc
    .record({ hotFraction: fc.double({ min: 0, max: 1, noNaN: true }), hotProbability: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map((h): AccessPattern => ({ kind: "hotcold", ...h })),
);

const arbPages = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 2 ** 31 }));

/** chi-square statistic of counts against expected shares */
function chiSquare(counts: readonly number[], shares: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - total * shares[i]!) ** 2 / (total * shares[i]!), 0);
}

test("every sampler returns integer pages in [0, pages)", () => {
  fc.assert(
    fc.property(arbPattern, arbPages, fc.nat(2 ** 31 - 1), (pattern, pages, seed) => {
      const s = createSampler(pattern, pages);
      const rng = Rng.fromSeed(seed);
      for (let i = 0; i < 100; i++) {
        const x = s.next(rng);
        assert.ok(Number.isInteger(x) && x >= 0 && x < pages, `${JSON.stringify(pattern)}: ${x} of ${pages}`);
      }
    }),
  );
});

test("the same pattern, pages and seed give the same pages", () => {
  fc.assert(
    fc.property(arbPattern, arbPages, fc.nat(2 ** 31 - 1), (pattern, pages, seed) => {
      const run = (): number[] => {
        const s = createSampler(pattern, pages);
        const rng = Rng.fromSeed(seed);
        return Array.from({ length: 50 }, () => s.next(rng));
      };
      assert.deepEqual(run(), run());
    }),
    { numRuns: 50 },
  );
});

test("sequential walks the pages in order and wraps, per sampler, ignoring the PRNG", () => {
  const a = createSampler({ kind: "sequential" }, 3);
  const b = createSampler({ kind: "sequential" }, 3);
  const rng = Rng.fromSeed(1);
  assert.deepEqual(Array.from({ length: 7 }, () => a.next(rng)), [0, 1, 2, 0, 1, 2, 0]);
  assert.deepEqual(Array.from({ length: 2 }, () => b.next(rng)), [0, 1]);
  const untouched = Rng.fromSeed(1);
  assert.equal(rng.uint32(), untouched.uint32());
  const one = createSampler({ kind: "sequential" }, 1);
  assert.deepEqual([one.next(rng), one.next(rng)], [0, 0]);
});

test("uniform spreads over 10 equal buckets (chi-square)", () => {
  for (const pages of [10, 1000, 12345, 2 ** 31]) {
    const s = createSampler({ kind: "uniform" }, pages);
    const rng = Rng.fromSeed(pages);
    const counts = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[Math.floor((s.next(rng) * 10) / pages)]!++;
    // buckets of unequal size when 10 does not divide pages
    const shares = Array.from({ length: 10 }, (_, b) => (Math.ceil(((b + 1) * pages) / 10) - Math.ceil((b * pages) / 10)) / pages);
    const chi = chiSquare(counts, shares);
    assert.ok(chi < 27.88, `pages ${pages}: chi-square ${chi}`); // 9 df, p = 0.001
  }
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
  [1000, 1],
  [10, 2.5],
] as const) {
  test(`zipf(pages ${pages}, s ${skew}) gives ranks 1, 2 and 10 their theoretical shares`, () => {
    const s = createSampler({ kind: "zipf", skew }, pages);
    const rng = Rng.fromSeed(3);
    const n = 200_000;
    const counts = new Float64Array(pages);
    for (let i = 0; i < n; i++) counts[s.next(rng)]!++;
    for (const rank of [1, 2, 10]) {
      const expected = zipfShare(pages, skew, rank);
      const got = counts[rank - 1]! / n;
      // within 3% of the share (or 4 standard errors for the rare ranks)
      const tol = Math.max(0.03 * expected, 4 * Math.sqrt((expected * (1 - expected)) / n));
      assert.ok(Math.abs(got - expected) < tol, `rank ${rank}: ${got} vs ${expected}`);
    }
    // and the whole distribution in 10 rank buckets (chi-square, 9 df, p = 0.001)
    const bucket = (k: number): number => Math.floor(((k - 1) * 10) / pages);
    const obs = new Array<number>(10).fill(0);
    const exp = new Array<number>(10).fill(0);
    for (let k = 1; k <= pages; k++) {
      obs[bucket(k)]! += counts[k - 1]!;
      exp[bucket(k)]! += zipfShare(pages, skew, k);
    }
    const used = exp.map((e, i) => [obs[i]!, e] as const).filter(([, e]) => e > 0);
    const chi = chiSquare(used.map(([o]) => o), used.map(([, e]) => e));
    assert.ok(chi < 27.88, `chi-square over rank buckets ${chi}`);
  });
}

test("zipf works for huge working sets and is monotone in popularity", () => {
  const s = createSampler({ kind: "zipf", skew: 0.99 }, 2 ** 31);
  const rng = Rng.fromSeed(17);
  const n = 100_000;
  let first = 0;
  let second = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const x = s.next(rng);
    if (x === 0) first++;
    else if (x === 1) second++;
    if (x >= 2 ** 30) tail++;
  }
  assert.ok(first > second && second > 0, `${first} ${second}`);
  assert.ok(tail > 0, "the tail is reachable");
});

test("hotcold sends about hotProbability of the accesses to the first ceil(hotFraction * pages) pages", () => {
  for (const [pages, hotFraction, hotProbability, hotPages] of [
    [1000, 0.2, 0.8, 200],
    [10, 0.7, 0.95, 7], // 0.7 * 10 is 7.000000000000001 in floating point
    [10, 0.15, 0.6, 2],
    [3, 0.01, 0.5, 1],
  ] as const) {
    const s = createSampler({ kind: "hotcold", hotFraction, hotProbability }, pages);
    const rng = Rng.fromSeed(5);
    const counts = new Array<number>(pages).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[s.next(rng)]!++;
    const hot = counts.slice(0, hotPages).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(hot / n - hotProbability) < 0.01, `pages ${pages}: hot share ${hot / n}`);
    // uniform within each part
    const shares = counts.map((_, i) => (i < hotPages ? hotProbability / hotPages : (1 - hotProbability) / (pages - hotPages)));
    const df = pages - 1;
    assert.ok(chiSquare(counts, shares) < df + 5 * Math.sqrt(2 * df) + 10, `pages ${pages}: not uniform within the parts`);
  }
});

test("hotcold with no hot or no cold page is uniform", () => {
  for (const hotFraction of [0, 1]) {
    const s = createSampler({ kind: "hotcold", hotFraction, hotProbability: 0.9 }, 4);
    const rng = Rng.fromSeed(8);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[s.next(rng)]!++;
    assert.ok(chiSquare(counts, [0.25, 0.25, 0.25, 0.25]) < 16.27, `fraction ${hotFraction}: ${counts.join(",")}`);
  }
});

test("createSampler rejects empty working sets and out-of-range parameters with a sentence", () => {
  assert.throws(() => createSampler({ kind: "uniform" }, 0), /at least one/);
  assert.throws(() => createSampler({ kind: "uniform" }, 2.5), /whole number of pages/);
  assert.throws(() => createSampler({ kind: "zipf", skew: 0 }, 10), /zipf skew must be a positive finite number/);
  assert.throws(() => createSampler({ kind: "zipf", skew: Number.NaN }, 10), /zipf skew/);
  assert.throws(() => createSampler({ kind: "hotcold", hotFraction: 1.5, hotProbability: 0.5 }, 10), /hot fraction/);
  assert.throws(() => createSampler({ kind: "hotcold", hotFraction: 0.5, hotProbability: -0.1 }, 10), /hot probability/);
});
