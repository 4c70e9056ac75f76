// Synthetic oracleGeneral traces for the bench: N requests over P objects (pages), zipf or uniform,
// drawn from the project's seeded PRNG, so a seed always gives the same bytes. Like libCacheSim's
// scripts/data_gen.py, object ids are 0 .. P-1 with 0 the most popular under zipf and the size is
// fixed (4096 here: a page); unlike it (it writes -2, "unknown"), next_access_vtime is filled as
// libCacheSim's traceConv fills it: the 1-based position of the next request for the same object,
// or -1 for none. The time is the request's index, in seconds (data_gen.py spreads a week instead;
// the replay ignores times unless --timing trace).
import { writeFileSync } from "node:fs";
import { endianness } from "node:os";
import { Rng } from "../lib/random.js";
import { ZipfSampler } from "../lib/zipf.js";
import { RECORD_BYTES } from "./oracle-general.js";

export interface GenerateOptions {
  requests: number;
  pages: number;
  distribution: "zipf" | "uniform";
  /** the zipf skew (P(rank k) ∝ k^-alpha); 0.9 by default */
  alpha?: number;
  seed: number;
}

export const DEFAULT_ALPHA = 0.9;
const PAGE_BYTES = 4096;
const WORDS = RECORD_BYTES / 4;
/** one typed array holds the whole trace */
const MAX_REQUESTS = Math.floor((2 ** 32 - 1) / RECORD_BYTES);

/** the trace as oracleGeneral bytes */
export function generateOracleGeneral(options: GenerateOptions): Uint8Array {
  const { requests, pages, seed } = options;
  if (!Number.isInteger(requests) || requests < 1 || requests > MAX_REQUESTS) throw new RangeError(`A generated trace needs 1 to ${MAX_REQUESTS} requests, not ${requests}.`);
  if (!Number.isInteger(pages) || pages < 1 || pages > 2 ** 31) throw new RangeError(`A generated trace needs 1 to 2^31 pages, not ${pages}.`);
  if (endianness() !== "LE") throw new Error("The oracleGeneral generator needs a little-endian machine.");
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (options.distribution === "zipf" && !(alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`The zipf alpha must be a positive finite number, not ${alpha}.`);

  const bytes = new Uint8Array(requests * RECORD_BYTES);
  const words = new Uint32Array(bytes.buffer);
  const rng = Rng.fromSeed(seed);
  const zipf = options.distribution === "zipf" ? new ZipfSampler(pages, alpha) : null;
  for (let i = 0, w = 0; i < requests; i++, w += WORDS) {
    words[w] = i; // clock_time
    words[w + 1] = zipf === null ? rng.int(pages) : zipf.next(rng); // obj_id, high half 0
    words[w + 3] = PAGE_BYTES; // obj_size
  }
  // next_access_vtime, from the end: the last request seen of each object is its next one
  const nextOf = new Int32Array(pages).fill(-1);
  for (let i = requests - 1, w = i * WORDS; i >= 0; i--, w -= WORDS) {
    const id = words[w + 1]!;
    const next = nextOf[id]!;
    if (next < 0) {
      words[w + 4] = 0xffffffff; // -1 as an i64
      words[w + 5] = 0xffffffff;
    } else {
      words[w + 4] = next + 1;
    }
    nextOf[id] = i;
  }
  return bytes;
}

/** writes the trace to `file` */
export function writeOracleGeneral(file: string, options: GenerateOptions): void {
  writeFileSync(file, generateOracleGeneral(options));
}
