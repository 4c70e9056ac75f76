// A trace as the replay takes it: one entry per request in typed arrays (no object per request),
// object ids already mapped to dense page indices per tenant in first-seen order, so the same file
// always gives the same pages. TraceBuilder is how every reader fills one.
import { IdMap } from "../lib/id-map.js";
import { grown, type TypedColumn } from "../lib/grown.js";

export type TraceFormat = "oracleGeneral" | "csv" | "txt";

export interface Trace {
  /** the file as it was named */
  source: string;
  format: TraceFormat;
  /** whether the file was zstd-compressed */
  compressed: boolean;
  requests: number;
  /** the dense page index of each request, within its tenant, in first-seen order */
  page: Uint32Array;
  /** the tenant index of each request (into `tenants`), or null when the trace has no tenant column */
  tenantOf: Uint16Array | null;
  /** tenant names in first-seen order; one unnamed tenant ("") when the trace has no tenant column */
  tenants: string[];
  /** distinct pages per tenant: the pages of tenant t are 0 .. distinctPages[t] - 1 */
  distinctPages: number[];
  /** each request's time in nanoseconds, or null when the format or file has no times */
  timeNs: Float64Array | null;
  /** 1 for a write, 0 for a read, or null when the trace has no op column */
  write: Uint8Array | null;
  /** oracleGeneral records of size 0, left out as libCacheSim's readers leave them out */
  skipped: number;
}

/** tenant indices are Uint16 */
export const MAX_TENANTS = 65536;

export interface BuilderColumns {
  tenants: boolean;
  times: boolean;
  ops: boolean;
}

/** grows the arrays by doubling; `capacity` is a hint (oracleGeneral knows its record count) */
export class TraceBuilder {
  requests = 0;
  page: Uint32Array;
  tenantOf: Uint16Array | null;
  timeNs: Float64Array | null;
  write: Uint8Array | null;
  skipped = 0;
  readonly tenants: string[] = [];
  private readonly tenantIndex = new Map<string, number>();
  private readonly ids: IdMap[] = [];

  constructor(columns: BuilderColumns, capacity = 1 << 16) {
    const cap = Math.max(16, capacity);
    this.page = new Uint32Array(cap);
    this.tenantOf = columns.tenants ? new Uint16Array(cap) : null;
    this.timeNs = columns.times ? new Float64Array(cap) : null;
    this.write = columns.ops ? new Uint8Array(cap) : null;
    if (!columns.tenants) this.tenant("");
  }

  /** the index of a tenant, added on first sight; -1 when there are already MAX_TENANTS */
  tenant(name: string): number {
    const known = this.tenantIndex.get(name);
    if (known !== undefined) return known;
    if (this.tenants.length === MAX_TENANTS) return -1;
    const t = this.tenants.length;
    this.tenants.push(name);
    this.tenantIndex.set(name, t);
    this.ids.push(new IdMap());
    return t;
  }

  /** the id map of tenant t (the hot loops intern through it directly) */
  idsOf(t: number): IdMap {
    return this.ids[t]!;
  }

  /** makes room for one more request; returns its index */
  next(): number {
    const i = this.requests;
    if (i === this.page.length) this.grow();
    this.requests = i + 1;
    return i;
  }

  /**
   * Doubles the arrays (a hot loop that keeps them in locals and counts `requests` itself calls it
   * when they are full, then reloads them).
   */
  grow(): void {
    const cap = this.page.length * 2;
    this.page = grown(this.page, cap);
    if (this.tenantOf !== null) this.tenantOf = grown(this.tenantOf, cap);
    if (this.timeNs !== null) this.timeNs = grown(this.timeNs, cap);
    if (this.write !== null) this.write = grown(this.write, cap);
  }

  finish(source: string, format: TraceFormat, compressed: boolean): Trace {
    const n = this.requests;
    // a copy of exactly n entries, so the doubling's slack is freed
    const fit = <T extends TypedColumn>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    return {
      source,
      format,
      compressed,
      requests: n,
      page: fit(this.page),
      tenantOf: this.tenantOf === null ? null : fit(this.tenantOf),
      tenants: [...this.tenants],
      distinctPages: this.ids.map((m) => m.size),
      timeNs: this.timeNs === null ? null : fit(this.timeNs),
      write: this.write === null ? null : fit(this.write),
      skipped: this.skipped,
    };
  }
}


