// Integers read straight from the bytes of a text trace (no string per field on the common path):
// decimal or 0x-hex, exact up to 2^53 - 1, the largest integer a double holds exactly.

/** not an unsigned decimal or 0x-hex integer */
export const NOT_A_NUMBER = -1;
/** a number too large to be read exactly */
export const TOO_LARGE = -2;

const MAX = Number.MAX_SAFE_INTEGER;

/** the value of a hex digit, or -1 */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20; // ASCII lower case
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** whether buf[start, end) begins with 0x or 0X and has something after it */
function isHex(buf: Uint8Array, start: number, end: number): boolean {
  return end - start > 2 && buf[start] === 48 && (buf[start + 1]! | 0x20) === 120;
}

/** an id (decimal or 0x-hex) in buf[start, end): its value, NOT_A_NUMBER or TOO_LARGE */
export function parseId(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return NOT_A_NUMBER;
  let v = 0;
  if (isHex(buf, start, end)) {
    for (let i = start + 2; i < end; i++) {
      const d = hexDigit(buf[i]!);
      if (d < 0) return NOT_A_NUMBER;
      v = v * 16 + d;
      if (v > MAX) return TOO_LARGE; // exact until it passes 2^53 - 1: the test is then reliable
    }
    return v;
  }
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NOT_A_NUMBER;
    v = v * 10 + d;
    if (v > MAX) return TOO_LARGE;
  }
  return v;
}

/**
 * The page number (address / 4096, rounded down) of a byte address in buf[start, end): decimal up to
 * 2^53 - 1, or 0x-hex up to 64 bits, whose page is its digits but the last three, exactly.
 */
export function parseAddressPage(buf: Uint8Array, start: number, end: number): number {
  if (!isHex(buf, start, end)) {
    const v = parseId(buf, start, end);
    return v < 0 ? v : Math.floor(v / 4096);
  }
  let page = 0;
  let significant = 0;
  for (let i = start + 2; i < end; i++) {
    const d = hexDigit(buf[i]!);
    if (d < 0) return NOT_A_NUMBER;
    if (significant > 0 || d > 0) significant++;
    if (significant > 16) return TOO_LARGE;
    if (i < end - 3) page = page * 16 + d;
  }
  return page;
}

const DECIMAL = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** a non-negative decimal time (fractions and exponents allowed) in buf[start, end), or NaN */
export function parseTime(buf: Uint8Array, start: number, end: number): number {
  let v = 0;
  let i = start;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (i === end && end > start && v <= MAX) return v;
  // the rare path: a fraction or an exponent
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
  return DECIMAL.test(text) ? Number(text) : NaN;
}
