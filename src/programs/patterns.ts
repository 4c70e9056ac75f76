// Access-pattern samplers: which enclave page a simulated access touches. O(1) per sample and no
// allocation: zipf uses rejection-inversion sampling (Hörmann & Derflinger 1996, the method of
// Apache Commons' RejectionInversionZipfSampler), so no table of `pages` entries is built.
import type { AccessPattern } from "./types.js";
import type { Rng } from "../lib/random.js";

export type { AccessPattern };

export interface PageSampler {
  /** a page index in [0, pages) */
  next(rng: Rng): number;
}

class Sequential implements PageSampler {
  private i = 0;
  constructor(private readonly pages: number) {}
  next(): number {
    const v = this.i;
    this.i = v + 1 === this.pages ? 0 : v + 1;
    return v;
  }
}

/** a trace's pages in order (its count is the trace's length) */
class TracePages implements PageSampler {
  private i = 0;
  constructor(private readonly pages: Uint32Array) {}
  next(): number {
    const v = this.pages[this.i] as number;
    this.i = this.i + 1 === this.pages.length ? 0 : this.i + 1;
    return v;
  }
}

class Uniform implements PageSampler {
  constructor(private readonly pages: number) {}
  next(rng: Rng): number {
    return rng.int(this.pages);
  }
}

/**
 * ceil(f * n) without the rounding error of the product: 0.7 * 10 is 7.000000000000001 in binary
 * floating point, and a plain ceil would make 8 of 10 pages hot.
 */
function ceilOfProduct(f: number, n: number): number {
  const x = f * n;
  const r = Math.round(x);
  return Math.abs(x - r) <= Math.abs(x) * 1e-12 ? r : Math.ceil(x);
}

/**
 * The first ceil(hotFraction * pages) pages get hotProbability of the accesses, the others the rest,
 * uniformly within each part. With no hot page (hotFraction 0) or no cold page, every access is
 * uniform over the whole working set.
 */
class HotCold implements PageSampler {
  private readonly hot: number;
  constructor(
    private readonly pages: number,
    fraction: number,
    private readonly probability: number,
  ) {
    this.hot = Math.min(pages, ceilOfProduct(fraction, pages));
  }
  next(rng: Rng): number {
    const hot = this.hot;
    if (hot === this.pages || hot === 0) return rng.int(this.pages);
    return rng.float() < this.probability ? rng.int(hot) : hot + rng.int(this.pages - hot);
  }
}

/** (exp(x) - 1) / x, accurate near 0 */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x * 1) / 3 * (1 + x * 0.25));
}

/** log(1 + x) / x, accurate near 0 */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - x * 0.25));
}

/**
 * Zipf over ranks 1..n with P(k) ∝ k^-s for any s > 0 (below, at or above 1); rank k is page k-1.
 * Rejection-inversion: draw u uniformly under the integral H of h(x) = x^-s between 1.5 and n + 0.5
 * (the head rank gets the extra mass 1 = h(1)), invert, round to the nearest rank k, and accept if
 * u falls under the bar of height h(k) (always when k - x <= sConst). The acceptance rate is high
 * for every s, so a sample costs a few logs and exps.
 */
class Zipf implements PageSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly sConst: number;

  constructor(
    private readonly n: number,
    private readonly s: number,
  ) {
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sConst = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** H(x) = (x^(1-s) - 1) / (1 - s), the integral of h (log x at s = 1) */
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }

  /** h(x) = x^-s */
  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1; // guards log1p against rounding just below -1
    return Math.exp(helper1(t) * x);
  }

  next(rng: Rng): number {
    const n = this.n;
    if (n === 1) return 0;
    for (;;) {
      const u = this.hIntegralN + rng.float() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= this.sConst || u >= this.hIntegral(k + 0.5) - this.h(k)) return k - 1;
    }
  }
}

/**
 * A sampler of page indices in [0, pages) for one access phase (pages up to 2^31 and beyond; the
 * samplers keep no per-page state). Throws for an empty working set or out-of-range parameters.
 */
export function createSampler(pattern: AccessPattern, pages: number): PageSampler {
  if (!Number.isSafeInteger(pages) || pages < 1) throw new Error(`A working set needs a whole number of pages, at least one, not ${pages}.`);
  switch (pattern.kind) {
    case "sequential":
      return new Sequential(pages);
    case "uniform":
      return new Uniform(pages);
    case "zipf":
      if (!(pattern.skew > 0 && Number.isFinite(pattern.skew))) {
        throw new Error(`The zipf skew must be a positive finite number, not ${pattern.skew}.`);
      }
      return new Zipf(pages, pattern.skew);
    case "hotcold":
      if (!(pattern.hotFraction >= 0 && pattern.hotFraction <= 1)) {
        throw new Error(`The hot fraction of a hotcold pattern must be in [0, 1], not ${pattern.hotFraction}.`);
      }
      if (!(pattern.hotProbability >= 0 && pattern.hotProbability <= 1)) {
        throw new Error(`The hot probability of a hotcold pattern must be in [0, 1], not ${pattern.hotProbability}.`);
      }
      return new HotCold(pages, pattern.hotFraction, pattern.hotProbability);
    case "trace":
      return new TracePages(pattern.pages);
  }
}
