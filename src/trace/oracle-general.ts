// libCacheSim's oracleGeneral binary trace: packed little-endian 24-byte records
//   { u32 clock_time; u64 obj_id; u32 obj_size; i64 next_access_vtime }
// (libCacheSim traceReader/customizedReader/oracle/oracleGeneralBin.h). clock_time is in seconds;
// next_access_vtime (-1: never again) is for Belady-like policies and is not needed here. As
// libCacheSim's reader does by default (ignore_size_zero_req), records of size 0 are left out; any
// other size is one page access.
import { endianness } from "node:os";
import { fileError, recordError } from "./error.js";
import type { ByteSource } from "./source.js";
import { TraceBuilder, type Trace } from "./trace.js";

export const RECORD_BYTES = 24;
const WORDS = RECORD_BYTES / 4;
/** ids of 2^53 and more cannot be told apart exactly in a double: the high half must be < 2^21 */
const MAX_HI = 0x1fffff;

export interface OracleGeneralInput {
  file: string;
  source: ByteSource;
  compressed: boolean;
  /** the size in bytes when known (an uncompressed file): the arrays are then sized once */
  size: number | null;
  /** the read buffer, rounded down to whole records */
  chunkBytes: number;
  /** keep each request's time (false: Trace.timeNs is null) */
  times: boolean;
}

export function readOracleGeneral(input: OracleGeneralInput): Trace {
  // records are read through a Uint32Array view: each field is 4-aligned within a record
  if (endianness() !== "LE") throw new Error("The oracleGeneral reader needs a little-endian machine.");
  const { file, source } = input;
  const chunk = Math.max(RECORD_BYTES, input.chunkBytes - (input.chunkBytes % RECORD_BYTES));
  const bytes = new Uint8Array(chunk);
  const words = new Uint32Array(bytes.buffer);
  // sized once from the file's size; a zstd header's declared size is trusted up to 1 GiB only
  const hint = input.size === null ? undefined : Math.floor(Math.min(input.size, input.compressed ? 2 ** 30 : Infinity) / RECORD_BYTES);
  const b = new TraceBuilder({ tenants: false, times: input.times, ops: false }, hint);
  const ids = b.idsOf(0);
  let records = 0;
  let carry = 0;
  // the loop keeps the arrays and the count in locals, and hands them back to b when they grow
  let page = b.page;
  let time = b.timeNs;
  let n = b.requests;
  let skipped = 0;
  for (;;) {
    const got = source.read(bytes.subarray(carry));
    if (got === 0) break;
    const have = carry + got;
    const whole = (have / RECORD_BYTES) | 0;
    for (let r = 0, w = 0; r < whole; r++, w += WORDS) {
      if (words[w + 3] === 0) {
        skipped++;
        continue;
      }
      const lo = words[w + 1]!;
      const hi = words[w + 2]!;
      if (hi > MAX_HI) throw idError(file, records + r + 1, lo, hi);
      if (n === page.length) {
        b.requests = n;
        b.grow();
        page = b.page;
        time = b.timeNs;
      }
      page[n] = ids.intern(lo, hi);
      if (time !== null) time[n] = words[w]! * 1e9;
      n++;
    }
    records += whole;
    carry = have - whole * RECORD_BYTES;
    if (carry > 0) bytes.copyWithin(0, whole * RECORD_BYTES, have);
  }
  b.requests = n;
  b.skipped = skipped;
  if (carry > 0) {
    const total = records * RECORD_BYTES + carry;
    throw recordError(
      file,
      records + 1,
      `truncated: the ${input.compressed ? "decompressed " : ""}trace ends ${carry} bytes into this record (${total} bytes, not a multiple of ${RECORD_BYTES}), expected whole ${RECORD_BYTES}-byte records.`,
    );
  }
  if (b.requests === 0) {
    const why = records === 0 ? "the trace is empty" : `the trace has no requests (its ${records} records all have size 0, which libCacheSim skips)`;
    throw fileError(file, `${why}, expected at least one ${RECORD_BYTES}-byte record.`);
  }
  return b.finish(file, "oracleGeneral", input.compressed);
}

function idError(file: string, record: number, lo: number, hi: number): Error {
  const id = (BigInt(hi) << 32n) | BigInt(lo);
  return recordError(file, record, `object id ${id} is past 2^53 - 1 and cannot be mapped exactly, expected an id of at most ${Number.MAX_SAFE_INTEGER}.`);
}
