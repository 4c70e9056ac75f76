// A zipf sampler over ranks, O(1) per sample and no allocation: rejection-inversion sampling
// (Hörmann & Derflinger 1996, the method of Apache Commons' RejectionInversionZipfSampler), so no
// table of n entries is built. Shared by the access patterns (programs/patterns.ts) and the trace
// generator (trace/generate.ts).
import type { Rng } from "./random.js";

/** (exp(x) - 1) / x, accurate near 0 */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x * 1) / 3 * (1 + x * 0.25));
}

/** log(1 + x) / x, accurate near 0 */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - x * 0.25));
}

/**
 * Zipf over ranks 1..n with P(k) ∝ k^-s for any s > 0 (below, at or above 1); next() returns k - 1.
 * Rejection-inversion: draw u uniformly under the integral H of h(x) = x^-s between 1.5 and n + 0.5
 * (the head rank gets the extra mass 1 = h(1)), invert, round to the nearest rank k, and accept if
 * u falls under the bar of height h(k) (always when k - x <= sConst). The acceptance rate is high
 * for every s, so a sample costs a few logs and exps.
 */
export class ZipfSampler {
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

  /** a rank minus one, in [0, n): 0 is the most frequent */
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
