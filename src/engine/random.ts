// The one seeded PRNG of the engine: pure-rand's xoroshiro128+, used in place (no allocation per
// draw). Independent streams (one per simulated thread) are derived with jump(), so adding a thread
// does not change the numbers another thread draws.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

type Generator = ReturnType<typeof xoroshiro128plus>;
// streams S (this), S+J (first fork), S+3J (second fork), ... with this one at S+2J, S+4J, ...

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

export class Rng {
  private constructor(private readonly gen: Generator) {}

  static fromSeed(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /** an independent stream: a copy of this generator moved 2^64 draws ahead; this one jumps too */
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

  /** uniform in [0, 1) with 53 random bits */
  float(): number {
    const hi = (this.gen.next() >>> 0) >>> 5; // 27 bits
    const lo = (this.gen.next() >>> 0) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_53;
  }

  /** uniform integer in [0, n), unbiased, for n up to 2^53 */
  int(n: number): number {
    if (n <= TWO_32) {
      // rejection keeps the result unbiased
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.gen.next() >>> 0;
        if (x < limit) return x % n;
      }
    }
    for (;;) {
      const x = Math.floor(this.float() * TWO_53);
      const limit = TWO_53 - (TWO_53 % n);
      if (x < limit) return x % n;
    }
  }

  chance(p: number): boolean {
    return this.float() < p;
  }
}
