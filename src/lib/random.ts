// The one seeded PRNG of the engine: pure-rand's xoroshiro128+, used in place (no allocation per
// draw). Independent streams (one per simulated thread) are derived with jump(), so adding a thread
// does not change the numbers another thread draws.
//
// Seeding: pure-rand's xoroshiro128plus(seed) puts the seed into the state almost verbatim
// (s0 = [-1, ~seed], s1 = [seed, 0]), so its first outputs are ~seed, ~seed - 257*seed, ... and the
// streams of neighbouring seeds start out nearly identical. fromSeed() therefore fills the 128-bit
// state from the seed with a strong 32-bit mixer (the murmur3 finalizer over a Weyl sequence, as
// splitmix does) and hands it to xoroshiro128plusFromState().
//
// Which bits are used: next() returns the low 32 bits of xoroshiro128+'s 64-bit sum. The lowest
// bits of that sum are its weakest (bit 0 is a plain LFSR), so every method here takes the high
// bits of the word (multiply-shift instead of modulo).
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

const TWO_21 = 2097152;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_M32 = 1 / TWO_32;
const TWO_M53 = 1 / TWO_53;

/** the murmur3 32-bit finalizer: a bijection with full avalanche */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

export class Rng {
  private constructor(private readonly gen: Generator) {}

  /**
   * A generator for `seed`, any safe integer (scenario seeds are 0..2^31-1). Different seeds give
   * unrelated streams; the same seed always gives the same one.
   */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`A PRNG seed must be a safe integer, not ${seed}.`);
    const lo = seed | 0; // the low 32 bits, also of negative seeds
    const hi = Math.floor(seed / TWO_32) | 0;
    // four words of a Weyl sequence (step: the golden ratio) keyed by both halves of the seed
    const key = lo ^ mix32(hi ^ 0x5851f42d);
    const w = (i: number): number => mix32((key + Math.imul(i, 0x9e3779b9)) | 0);
    const state = [w(1), w(2), w(3), w(4)];
    if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1; // the all-zero state is a fixed point
    return new Rng(xoroshiro128plusFromState(state));
  }

  /**
   * An independent stream: a copy of this generator moved 2^64 draws ahead. This one jumps twice,
   * so the streams are S+J (first fork), S+3J (second fork), ... while this one continues at S+2J,
   * S+4J, ...: none overlaps another unless one of them draws 2^64 numbers.
   */
  fork(): Rng {
    const child = this.gen.clone();
    child.jump();
    this.gen.jump();
    this.gen.jump();
    return new Rng(child);
  }

  /** uniform in [0, 2^32) */
  uint32(): number {
    return this.gen.next() >>> 0;
  }

  /** uniform in [0, 1) with 53 random bits (the high 27 and 26 bits of two draws) */
  float(): number {
    const hi = this.gen.next() >>> 5; // 27 bits
    const lo = this.gen.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_M53;
  }

  /**
   * Uniform integer in [0, n), unbiased, for integer n in [1, 2^53]. For n up to 2^21 this is
   * Lemire's multiply-shift with rejection (one draw, no division in the common case, high bits);
   * above, a 32-bit or 53-bit draw with rejection of the incomplete top range.
   */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_53) || n !== Math.floor(n)) {
      throw new RangeError(`Rng.int() needs an integer bound in [1, 2^53], not ${n}.`);
    }
    if (n <= TWO_21) {
      // m = x * n < 2^53 is exact: its high 32 bits are the result, its low 32 bits decide rejection
      let m = (this.gen.next() >>> 0) * n;
      let r = Math.floor(m * TWO_M32);
      if (m - r * TWO_32 < n) {
        const t = (TWO_32 - n) % n; // 2^32 mod n: the low words that would bias the result
        while (m - r * TWO_32 < t) {
          m = (this.gen.next() >>> 0) * n;
          r = Math.floor(m * TWO_M32);
        }
      }
      return r;
    }
    if (n <= TWO_32) {
      // rejection of the incomplete top range keeps the result unbiased
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.gen.next() >>> 0;
        if (x < limit) return x % n;
      }
    }
    const limit = TWO_53 - (TWO_53 % n);
    for (;;) {
      const x = (this.gen.next() >>> 5) * 67108864 + (this.gen.next() >>> 6); // 53 bits
      if (x < limit) return x % n;
    }
  }

  /** true with probability p (p <= 0: never, p >= 1: always) */
  chance(p: number): boolean {
    return this.float() < p;
  }
}
