// Access-pattern samplers: which enclave page a simulated access touches. O(1) per sample and no
// allocation: zipf uses rejection-inversion sampling (Hörmann & Derflinger 1996, the method of
// Apache Commons' RejectionInversionZipfSampler), so no table of `pages` entries is built.
import type { AccessPattern } from "../scenario/types.js";
import type { Rng } from "./random.js";

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

class Uniform implements PageSampler {
  constructor(private readonly pages: number) {}
  next(rng: Rng): number {
    return rng.int(this.pages);
  }
}

class HotCold implements PageSampler {
  private readonly hot: number;
  constructor(
    private readonly pages: number,
    fraction: number,
    private readonly probability: number,
  ) {
    this.hot = Math.min(pages, Math.max(1, Math.ceil(fraction * pages)));
  }
  next(rng: Rng): number {
    if (this.hot === this.pages || rng.float() < this.probability) return rng.int(this.hot);
    return this.hot + rng.int(this.pages - this.hot);
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

/** Zipf over ranks 1..n with P(k) ∝ k^-s; rank k is page k-1 */
class Zipf implements PageSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly s: number;

  constructor(
    private readonly n: number,
    exponent: number,
  ) {
    this.s = exponent;
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sConst = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  private readonly sConst: number;

  /** H(x) = ((x^(1-s)) - 1) / (1 - s), the integral of h */
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }

  next(rng: Rng): number {
    if (this.n === 1) return 0;
    for (;;) {
      const u = this.hIntegralN + rng.float() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sConst || u >= this.hIntegral(k + 0.5) - this.h(k)) return k - 1;
    }
  }
}

export function createSampler(pattern: AccessPattern, pages: number): PageSampler {
  if (!Number.isInteger(pages) || pages < 1) throw new Error(`A working set needs at least one page, not ${pages}.`);
  switch (pattern.kind) {
    case "sequential":
      return new Sequential(pages);
    case "uniform":
      return new Uniform(pages);
    case "zipf":
      return new Zipf(pages, pattern.skew);
    case "hotcold":
      return new HotCold(pages, pattern.hotFraction, pattern.hotProbability);
  }
}
