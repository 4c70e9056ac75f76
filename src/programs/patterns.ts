// Access-pattern samplers: which enclave page a simulated access touches. O(1) per sample and no
// allocation: zipf is lib/zipf.ts's rejection-inversion sampler, so no table of `pages` entries is
// built.
import type { AccessPattern } from "./types.js";
import type { Rng } from "../lib/random.js";
import { ZipfSampler } from "../lib/zipf.js";

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
      return new ZipfSampler(pages, pattern.skew);
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
