// The lines of a text trace, read in chunks: each complete line is handed over as a byte range of
// the chunk (no string per line), the partial line at a chunk's end is moved to the buffer's start
// and completed by the next read. A \r before the \n is dropped, and so is a UTF-8 byte-order mark
// at the start of the file.
import { lineError } from "./error.js";
import type { ByteSource } from "./source.js";

const LF = 10;
const CR = 13;

/** called for each line with its bytes buf[start, end) and its number (from 1) */
export type OnLine = (buf: Buffer, start: number, end: number, line: number) => void;

export function forEachLine(file: string, source: ByteSource, chunkBytes: number, onLine: OnLine): void {
  const buf = Buffer.allocUnsafe(Math.max(2, chunkBytes));
  let line = 0;
  let carry = 0;
  let first = true;
  const emit = (start: number, end: number): void => {
    if (first) {
      first = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    onLine(buf, start, end > start && buf[end - 1] === CR ? end - 1 : end, ++line);
  };
  for (;;) {
    if (carry === buf.length) throw lineError(file, line + 1, `the line runs ${buf.length} bytes or more without a line end, expected one request per line.`);
    const n = source.read(buf.subarray(carry));
    if (n === 0) break;
    const have = carry + n;
    const data = buf.subarray(0, have);
    let start = 0;
    // the scan for \n starts where the carried partial line ends: it has none
    for (let nl = data.indexOf(LF, carry); nl >= 0; nl = data.indexOf(LF, start)) {
      emit(start, nl);
      start = nl + 1;
    }
    carry = have - start;
    if (carry > 0 && start > 0) buf.copyWithin(0, start, have);
  }
  if (carry > 0) emit(0, carry);
}
