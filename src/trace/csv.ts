// CSV traces: a header line naming the columns, then one request per line. Recognised columns
// (names in any case): page (an object id, mapped to pages in first-seen order) or address (a byte
// address: its page, address / 4096, is mapped), and optionally time (seconds; time_ms, time_us
// and time_ns name other units), tenant and op (read, write, r or w, any case); other columns are
// read past. Fields are separated by commas; a field may be double-quoted ("" inside for a quote),
// not across lines; spaces and tabs around a field are dropped. Blank lines are skipped.
//
// Hand-written instead of csv-parse: csv-parse (sync, arrays) reads about 0.2 M lines/s on this
// machine, 90 s for a 20 M-request trace, where a trace's fields are short numbers and names that a
// byte scan splits at tens of millions of lines per second. The scan below takes each field as a
// byte range of the read buffer and parses numbers in place.
import { lineError, fileError } from "./error.js";
import { forEachLine } from "./lines.js";
import { NOT_A_NUMBER, TOO_LARGE, parseAddressPage, parseId, parseTime } from "./numbers.js";
import type { ByteSource } from "./source.js";
import { TenantNames } from "./tenant-names.js";
import { MAX_TENANTS, TraceBuilder, type Trace } from "./trace.js";

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** time columns and their nanoseconds per unit */
const TIME_UNITS: Record<string, number> = { time: 1e9, time_ms: 1e6, time_us: 1e3, time_ns: 1 };

interface Columns {
  count: number;
  /** the field of the page id or the address, and which of the two it is */
  key: number;
  address: boolean;
  time: number;
  nsPerUnit: number;
  tenant: number;
  op: number;
}

/** the fields of one line, as byte ranges of the buffer */
class Fields {
  start: Int32Array;
  end: Int32Array;
  /** the field was quoted and holds "" escapes, so its bytes are not its value */
  escaped: Uint8Array;
  count = 0;
  constructor(n: number) {
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.escaped = new Uint8Array(n);
  }

  /** splits buf[start, end); returns an error text or null */
  split(buf: Buffer, start: number, end: number): string | null {
    let f = 0;
    let pos = start;
    for (;;) {
      while (pos < end && (buf[pos] === SPACE || buf[pos] === TAB)) pos++;
      let fs: number;
      let fe: number;
      let esc = 0;
      if (pos < end && buf[pos] === QUOTE) {
        fs = pos + 1;
        let i = fs;
        for (;;) {
          if (i >= end) return `field ${f + 1} opens a quote that the line does not close, expected "..." within the line`;
          if (buf[i] === QUOTE) {
            if (buf[i + 1] === QUOTE && i + 1 < end) {
              esc = 1;
              i += 2;
              continue;
            }
            break;
          }
          i++;
        }
        fe = i;
        pos = i + 1;
        while (pos < end && (buf[pos] === SPACE || buf[pos] === TAB)) pos++;
        if (pos < end && buf[pos] !== COMMA) return `field ${f + 1} has text after its closing quote, expected a comma`;
      } else {
        fs = pos;
        while (pos < end && buf[pos] !== COMMA) pos++;
        fe = pos;
        while (fe > fs && (buf[fe - 1] === SPACE || buf[fe - 1] === TAB)) fe--;
      }
      if (f < this.start.length) {
        this.start[f] = fs;
        this.end[f] = fe;
        this.escaped[f] = esc;
      }
      f++;
      if (pos >= end) break;
      pos++; // the comma
    }
    this.count = f;
    return null;
  }

  /** the text of field f */
  text(buf: Buffer, f: number): string {
    const s = buf.toString("utf8", this.start[f], this.end[f]);
    return this.escaped[f] === 1 ? s.replaceAll('""', '"') : s;
  }
}

/** a field's text as a message quotes it, cut short when long */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

function headerColumns(file: string, names: string[]): Columns {
  const cols: Columns = { count: names.length, key: -1, address: false, time: -1, nsPerUnit: 1, tenant: -1, op: -1 };
  const seen = new Map<string, number>();
  names.forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (seen.has(name)) throw lineError(file, 1, `the header names ${name} twice, expected each column once.`);
    seen.set(name, i);
  });
  const page = seen.get("page");
  const address = seen.get("address");
  if (page !== undefined && address !== undefined) throw lineError(file, 1, "the header names both page and address, expected one of them.");
  if (page === undefined && address === undefined) {
    throw lineError(
      file,
      1,
      `the header names no page or address column (it has: ${names.map((n) => shown(n)).join(", ")}), expected a header line naming page or address, and optionally time, tenant and op.`,
    );
  }
  cols.key = (page ?? address)!;
  cols.address = address !== undefined;
  const times = Object.keys(TIME_UNITS).filter((t) => seen.has(t));
  if (times.length > 1) throw lineError(file, 1, `the header names ${times.length} time columns (${times.join(", ")}), expected one.`);
  if (times.length === 1) {
    cols.time = seen.get(times[0]!)!;
    cols.nsPerUnit = TIME_UNITS[times[0]!]!;
  }
  cols.tenant = seen.get("tenant") ?? -1;
  cols.op = seen.get("op") ?? -1;
  return cols;
}

/** 1 for write, 0 for read, -1 for anything else: r, w, read, write in any case */
function opOf(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  const c = buf[s]! | 0x20;
  if (len === 1) return c === 114 ? 0 : c === 119 ? 1 : -1;
  if (len === 4 && buf.toString("latin1", s, e).toLowerCase() === "read") return 0;
  if (len === 5 && buf.toString("latin1", s, e).toLowerCase() === "write") return 1;
  return -1;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  return true;
}

export interface CsvInput {
  file: string;
  source: ByteSource;
  compressed: boolean;
  chunkBytes: number;
  /** read past the tenant column: every request is one tenant's, pages mapped across the whole trace */
  ignoreTenants?: boolean;
}

export function readCsv(input: CsvInput): Trace {
  const { file } = input;
  let cols: Columns | null = null;
  let fields = new Fields(64);
  let b: TraceBuilder | null = null;
  let names: TenantNames | null = null;

  forEachLine(file, input.source, input.chunkBytes, (buf, start, end, line) => {
    if (isBlank(buf, start, end)) return;
    const bad = fields.split(buf, start, end);
    if (bad !== null) throw lineError(file, line, `${bad}.`);
    if (cols === null) {
      const header: string[] = [];
      if (fields.count > fields.start.length) {
        fields = new Fields(fields.count);
        fields.split(buf, start, end);
      }
      for (let f = 0; f < fields.count; f++) header.push(fields.text(buf, f));
      cols = headerColumns(file, header);
      if (input.ignoreTenants === true) cols.tenant = -1;
      b = new TraceBuilder({ tenants: cols.tenant >= 0, times: cols.time >= 0, ops: cols.op >= 0 });
      names = new TenantNames(b);
      return;
    }
    const t = b!;
    if (fields.count !== cols.count) throw lineError(file, line, `the line has ${fields.count} fields, expected ${cols.count} as the header has.`);
    const fs = fields.start;
    const fe = fields.end;

    let tenant = 0;
    if (cols.tenant >= 0) {
      const s = fs[cols.tenant]!;
      const e = fe[cols.tenant]!;
      if (e === s) throw lineError(file, line, "the tenant is empty, expected a tenant name.");
      tenant = fields.escaped[cols.tenant] === 1 ? t.tenant(fields.text(buf, cols.tenant)) : names!.lookup(buf, s, e);
      if (tenant < 0) throw lineError(file, line, `a tenant past the first ${MAX_TENANTS}, expected at most ${MAX_TENANTS} tenants.`);
    }

    const ks = fs[cols.key]!;
    const ke = fe[cols.key]!;
    const key = fields.escaped[cols.key] === 1 ? NOT_A_NUMBER : cols.address ? parseAddressPage(buf, ks, ke) : parseId(buf, ks, ke);
    if (key < 0) throw lineError(file, line, keyProblem(cols.address, key, fields.text(buf, cols.key)));

    let ns = 0;
    if (cols.time >= 0) {
      const v = fields.escaped[cols.time] === 1 ? NaN : parseTime(buf, fs[cols.time]!, fe[cols.time]!);
      if (!(v >= 0 && Number.isFinite(v))) {
        throw lineError(file, line, `time ${shown(fields.text(buf, cols.time))} is not a non-negative number, expected a decimal number of ${unitName(cols.nsPerUnit)}.`);
      }
      ns = v * cols.nsPerUnit;
    }

    let w = 0;
    if (cols.op >= 0) {
      w = fe[cols.op]! > fs[cols.op]! ? opOf(buf, fs[cols.op]!, fe[cols.op]!) : -1;
      if (w < 0) throw lineError(file, line, `op ${shown(fields.text(buf, cols.op))} is neither read nor write, expected read, write, r or w (any case).`);
    }

    const i = t.next();
    t.page[i] = t.idsOf(tenant).internNumber(key);
    if (t.tenantOf !== null) t.tenantOf[i] = tenant;
    if (t.timeNs !== null) t.timeNs[i] = ns;
    if (t.write !== null) t.write[i] = w;
  });

  if (cols === null || b === null) throw fileError(file, "the trace is empty, expected a header line and at least one request.");
  const built = b as TraceBuilder;
  if (built.requests === 0) throw fileError(file, "the trace has no requests, expected at least one line after the header.");
  return built.finish(file, "csv", input.compressed);
}

function keyProblem(address: boolean, code: number, text: string): string {
  if (!address) {
    return code === TOO_LARGE
      ? `page ${shown(text)} is past 2^53 - 1, expected a page id of at most ${Number.MAX_SAFE_INTEGER}.`
      : `page ${shown(text)} is not a number, expected a decimal or 0x-hex page id.`;
  }
  if (code !== TOO_LARGE) return `address ${shown(text)} is not a number, expected a decimal or 0x-hex byte address.`;
  return /^0x/i.test(text)
    ? `address ${shown(text)} is past 2^64 - 1, expected a 64-bit address.`
    : `address ${shown(text)} is past 2^53 - 1 and cannot be read exactly in decimal, expected a smaller address or one in 0x-hex.`;
}

function unitName(nsPerUnit: number): string {
  return nsPerUnit === 1e9 ? "seconds" : nsPerUnit === 1e6 ? "milliseconds" : nsPerUnit === 1e3 ? "microseconds" : "nanoseconds";
}
