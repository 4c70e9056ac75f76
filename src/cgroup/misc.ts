// The cgroup v2 hierarchy as far as epcsim needs it, and the misc controller (kernel/cgroup/misc.c)
// with its one resource here, `sgx_epc`: hierarchical charge with the capacity check at every level,
// `misc.max` parsing, event counting (6.11+ or the older rules) and the peak watermark.
import { EBUSY, EEXIST, EINVAL, ENOENT, ERANGE } from "../lib/errno.js";
import type { MemcgState } from "./memory.js";

export const U64_MAX = (1n << 64n) - 1n;
export const SGX_EPC = "sgx_epc";

/** how failed charges are counted: 6.11+ (events.local, root excluded) or before (root included) */
export type MiscEventsMode = "6.11" | "pre-6.11";

export class Cgroup {
  readonly children: Cgroup[] = [];
  /** misc_res for sgx_epc: bytes (`max`), with its Number kept beside it for the charge paths */
  private maxValue = U64_MAX;
  private maxNumber = Infinity;
  usage = 0;
  events = 0;
  eventsLocal = 0;
  watermark = 0;
  /** removed with rmdir but still holding charges (css offline, struct alive) */
  dying = false;
  /** pids of the processes in this cgroup (cgroup.procs) */
  readonly procs = new Set<number>();
  /** the memory controller's state (memory.ts memcg()), made at its first use */
  memcgState: MemcgState | null = null;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly parent: Cgroup | null,
  ) {}

  get isRoot(): boolean {
    return this.parent === null;
  }

  get max(): bigint {
    return this.maxValue;
  }

  set max(v: bigint) {
    this.maxValue = v;
    this.maxNumber = v === U64_MAX ? Infinity : Number(v);
  }

  /**
   * misc.max in bytes as a number (Infinity for max); exact below 2^53, which usage never reaches.
   * Kept from the last write: a BigInt compare and conversion per level per charge showed in v17 profiles
   */
  maxBytes(): number {
    return this.maxNumber;
  }
}

/** the result of misc_cg_try_charge(): 0, or the level that rejected the charge */
export type ChargeResult = { ok: true } | { ok: false; failedAt: Cgroup };

const CHARGE_OK: ChargeResult = { ok: true };

export function normalizePath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  return `/${parts.join("/")}`;
}

export class CgroupTree {
  readonly root: Cgroup;
  /** every cgroup ever created, by id (dying ones included) */
  readonly all: Cgroup[] = [];
  private readonly byPath = new Map<string, Cgroup>();

  constructor(
    /** misc_res_capacity[sgx_epc] in bytes; 0 means the resource does not exist */
    public capacity: number,
    readonly eventsMode: MiscEventsMode = "6.11",
  ) {
    this.root = new Cgroup(0, "/", null);
    this.all.push(this.root);
    this.byPath.set("/", this.root);
  }

  get(path: string): Cgroup | undefined {
    return this.byPath.get(normalizePath(path));
  }

  /** mkdir(2) in cgroupfs: the parent must exist, the name must be new */
  mkdir(path: string): Cgroup | number {
    const p = normalizePath(path);
    if (this.byPath.has(p)) return -EEXIST;
    const slash = p.lastIndexOf("/");
    const parent = this.byPath.get(slash === 0 ? "/" : p.slice(0, slash));
    if (parent === undefined || p === "/") return -ENOENT;
    const cg = new Cgroup(this.all.length, p, parent);
    this.version++;
    this.all.push(cg);
    this.byPath.set(p, cg);
    parent.children.push(cg);
    return cg;
  }

  /**
   * rmdir(2): only a cgroup without live children or processes. A cgroup that still has charges goes
   * dying: it keeps its place in the tree (reclaim walks still visit it) until its last page is freed.
   */
  rmdir(path: string): number {
    const cg = this.byPath.get(normalizePath(path));
    if (cg === undefined) return -ENOENT;
    if (cg.isRoot || cg.children.some((c) => !c.dying) || cg.procs.size > 0) return -EBUSY;
    this.byPath.delete(cg.path);
    cg.dying = true;
    this.freeIfUnused(cg);
    return 0;
  }

  /** the v5 per-resource max_write callback, called after a successful misc.max write */
  onMaxWrite: ((cg: Cgroup) => void) | null = null;
  /** called just before a dying cgroup leaves the tree (the misc `free` callback) */
  onFree: ((cg: Cgroup) => void) | null = null;

  /** the last reference of a dying cgroup went: it leaves the tree */
  private freeIfUnused(cg: Cgroup): void {
    if (!cg.dying || cg.usage !== 0 || cg.children.length > 0) return;
    this.onFree?.(cg);
    const parent = cg.parent as Cgroup;
    parent.children.splice(parent.children.indexOf(cg), 1);
    this.version++;
    this.freeIfUnused(parent);
  }

  /**
   * subtree(cg) in pre-order, children in creation order; dying cgroups that still hold charges
   * included. Cached until the tree changes; callers must not modify the array.
   */
  subtree(cg: Cgroup): readonly Cgroup[] {
    const cached = this.subtreeCache.get(cg);
    if (cached !== undefined && cached.version === this.version) return cached.list;
    const out: Cgroup[] = [];
    const walk = (c: Cgroup): void => {
      out.push(c);
      for (const ch of c.children) walk(ch);
    };
    walk(cg);
    this.subtreeCache.set(cg, { version: this.version, list: out });
    return out;
  }

  /** bumped whenever a cgroup joins or leaves the tree */
  private version = 0;
  private readonly subtreeCache = new Map<Cgroup, { version: number; list: Cgroup[] }>();

  /** mirrors misc_cg_try_charge(): add at every level up to the root, fail at the first level over its max or the capacity */
  tryCharge(cg: Cgroup, amount: number): ChargeResult {
    if (this.capacity === 0) throw new Error("sgx_epc has no capacity: nothing may be charged.");
    if (amount === 0) return CHARGE_OK;
    for (let i: Cgroup | null = cg; i !== null; i = i.parent) {
      const next = i.usage + amount;
      i.usage = next;
      if (this.exceeds(i, next)) {
        this.countEvent(i);
        for (let j: Cgroup | null = cg; j !== null; j = j.parent) {
          j.usage -= amount;
          if (j === i) break;
        }
        return { ok: false, failedAt: i };
      }
      // raised before the levels above are checked, and never rolled back (peak quirk)
      if (next > i.watermark) i.watermark = next;
    }
    return CHARGE_OK;
  }

  /** whether tryCharge(cg, amount) would succeed; changes nothing */
  fits(cg: Cgroup, amount: number): boolean {
    if (this.capacity === 0) return false;
    for (let i: Cgroup | null = cg; i !== null; i = i.parent) if (this.exceeds(i, i.usage + amount)) return false;
    return true;
  }

  /** a usage of `bytes` at level `i` is over its misc.max or the capacity */
  private exceeds(i: Cgroup, bytes: number): boolean {
    return bytes > i.maxBytes() || bytes > this.capacity;
  }

  /** mirrors misc_cg_uncharge() */
  uncharge(cg: Cgroup, amount: number): void {
    for (let i: Cgroup | null = cg; i !== null; i = i.parent) i.usage -= amount;
    this.freeIfUnused(cg);
  }

  private countEvent(failed: Cgroup): void {
    if (this.eventsMode === "6.11") {
      failed.eventsLocal++;
      for (let i: Cgroup | null = failed; i !== null && i.parent !== null; i = i.parent) i.events++;
    } else {
      for (let i: Cgroup | null = failed; i !== null; i = i.parent) i.events++;
    }
  }

  /** whether `file` exists in `cg` */
  hasFile(cg: Cgroup, file: string): boolean {
    const newer = this.eventsMode === "6.11";
    switch (file) {
      case "misc.capacity":
        return cg.isRoot;
      case "misc.current":
      case "cgroup.procs":
        return true;
      case "misc.peak":
        return newer;
      case "misc.max":
      case "misc.events":
        return !cg.isRoot;
      case "misc.events.local":
        return newer && !cg.isRoot;
      default:
        return false;
    }
  }

  /** the text of a misc or cgroup file, exactly as the kernel prints it, or -ENOENT */
  readFile(cg: Cgroup, file: string): string | number {
    if (!this.hasFile(cg, file)) return -ENOENT;
    const present = this.capacity !== 0;
    switch (file) {
      case "misc.capacity":
        return present ? `${SGX_EPC} ${this.capacity}\n` : "";
      case "misc.current":
        return present || cg.usage !== 0 ? `${SGX_EPC} ${cg.usage}\n` : "";
      case "misc.peak":
        return present || cg.watermark !== 0 ? `${SGX_EPC} ${cg.watermark}\n` : "";
      case "misc.max":
        return present ? `${SGX_EPC} ${cg.max === U64_MAX ? "max" : cg.max.toString()}\n` : "";
      case "misc.events":
        return present || cg.events !== 0 ? `${SGX_EPC}.max ${cg.events}\n` : "";
      case "misc.events.local":
        return present || cg.eventsLocal !== 0 ? `${SGX_EPC}.max ${cg.eventsLocal}\n` : "";
      case "cgroup.procs":
        return [...cg.procs].sort((a, b) => a - b).map((p) => `${p}\n`).join("");
    }
    return -ENOENT;
  }

  /** mirrors misc_cg_max_write(): 0, or -EINVAL / -ERANGE */
  writeMax(cg: Cgroup, text: string): number {
    const buf = text.trim();
    const space = buf.indexOf(" ");
    if (space < 0) return -EINVAL;
    const token = buf.slice(0, space);
    const rest = buf.slice(space + 1);
    if (token !== SGX_EPC) return -EINVAL;
    let max: bigint;
    if (rest === "max") max = U64_MAX;
    else {
      const v = kstrtou64(rest);
      if (typeof v === "number") return v;
      max = v;
    }
    if (this.capacity === 0) return -EINVAL;
    cg.max = max;
    this.onMaxWrite?.(cg);
    return 0;
  }
}

/** mirrors kstrtou64(s, 0): base from the prefix (0x hex, 0 octal, else decimal), optional '+', one trailing newline */
export function kstrtou64(s: string): bigint | number {
  let t = s.endsWith("\n") ? s.slice(0, -1) : s;
  if (t.startsWith("+")) t = t.slice(1);
  let digits: string;
  let radix: number;
  if (/^0[xX]/.test(t)) {
    digits = t.slice(2);
    radix = 16;
  } else if (t.startsWith("0") && t.length > 1) {
    digits = t.slice(1);
    radix = 8;
  } else {
    digits = t;
    radix = 10;
  }
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return -EINVAL;
  let v = 0n;
  const r = BigInt(radix);
  for (const ch of digits) {
    v = v * r + BigInt(parseInt(ch, radix));
    if (v > U64_MAX) return -ERANGE;
  }
  return v;
}
