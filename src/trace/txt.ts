// Plain-text traces: one page id per line, decimal or 0x-hex (an object id, mapped to pages in
// first-seen order, as libCacheSim's txt traces hold one object id per line). Spaces and tabs around
// the id are dropped; blank lines and lines starting with # are skipped (comments).
import { fileError, lineError } from "./error.js";
import { forEachLine } from "./lines.js";
import { TOO_LARGE, parseId } from "./numbers.js";
import type { ByteSource } from "./source.js";
import { TraceBuilder, type Trace } from "./trace.js";

const SPACE = 32;
const TAB = 9;
const HASH = 35;

export interface TxtInput {
  file: string;
  source: ByteSource;
  compressed: boolean;
  chunkBytes: number;
}

export function readTxt(input: TxtInput): Trace {
  const { file } = input;
  const b = new TraceBuilder({ tenants: false, times: false, ops: false });
  const ids = b.idsOf(0);
  forEachLine(file, input.source, input.chunkBytes, (buf, start, end, line) => {
    let s = start;
    let e = end;
    while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
    if (s === e || buf[s] === HASH) return;
    while (buf[e - 1] === SPACE || buf[e - 1] === TAB) e--;
    const id = parseId(buf, s, e);
    if (id < 0) {
      const text = buf.toString("utf8", s, Math.min(e, s + 40)) + (e - s > 40 ? "..." : "");
      throw lineError(
        file,
        line,
        id === TOO_LARGE
          ? `page ${JSON.stringify(text)} is past 2^53 - 1, expected a page id of at most ${Number.MAX_SAFE_INTEGER}.`
          : `${JSON.stringify(text)} is not a page id, expected one decimal or 0x-hex page id per line (or a blank line, or a # comment).`,
      );
    }
    const i = b.next();
    b.page[i] = ids.internNumber(id);
  });
  if (b.requests === 0) throw fileError(file, "the trace has no requests, expected at least one line with a page id.");
  return b.finish(file, "txt", input.compressed);
}
