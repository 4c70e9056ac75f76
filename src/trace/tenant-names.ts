// Tenant names read from the bytes of a CSV field without a string per line: the bytes are hashed
// (FNV-1a) and compared with the copy kept for that hash; only a name not seen before (or one whose
// hash another name took) is decoded and looked up by its string.
import type { TraceBuilder } from "./trace.js";

export class TenantNames {
  /** hash -> tenant index (the hash kept in the small-integer range of V8) */
  private readonly byHash = new Map<number, number>();
  /** the bytes of each tenant's name, by tenant index */
  private readonly bytes: Uint8Array[] = [];

  constructor(private readonly builder: TraceBuilder) {}

  /** the tenant index of the name in buf[start, end), added on first sight; -1 past MAX_TENANTS */
  lookup(buf: Buffer, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h &= 0x3fffffff;
    const known = this.byHash.get(h);
    if (known !== undefined && sameBytes(this.bytes[known]!, buf, start, end)) return known;
    const t = this.builder.tenant(buf.toString("utf8", start, end));
    if (t >= 0 && known === undefined) {
      this.byHash.set(h, t);
      this.bytes[t] = new Uint8Array(buf.subarray(start, end)); // a copy: Buffer.slice would be a view
    }
    return t;
  }
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
