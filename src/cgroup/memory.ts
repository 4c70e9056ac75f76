// The memory controller as far as SGX needs it: a hierarchical page counter with memory.max, the
// shmem backing store of swapped-out EPC charged to it, memory.events, and the memcg OOM killer when
// a charge cannot fit (there is no swap, and nothing else in our model is reclaimable).
import { EINVAL } from "../lib/errno.js";
import { U64_MAX, type Cgroup } from "./misc.js";

const PAGE = 4096;

/** per-cgroup memory controller state */
export interface MemcgState {
  /** memory.max in pages (U64_MAX / 4096 for "max") */
  maxPages: bigint;
  /** memory.max in bytes as a number: Infinity when it is past 2^53 (no usage reaches it), else exact */
  maxBytes: number;
  /** bytes charged in the subtree */
  usage: number;
  max: number;
  oom: number;
  oomKill: number;
}

const PAGE_COUNTER_MAX = U64_MAX / BigInt(PAGE);

export function memcg(cg: Cgroup): MemcgState {
  // kept on the cgroup itself: a WeakMap lookup per charge showed in the reclaim profile
  return (cg.memcgState ??= { maxPages: PAGE_COUNTER_MAX, maxBytes: Infinity, usage: 0, max: 0, oom: 0, oomKill: 0 });
}

const U64_MOD = 1n << 64n;

/**
 * mirrors memparse() over simple_strtoull(ptr, &end, 0): optional digits (0x + a hex digit: hex;
 * a leading 0: octal; else decimal; none at all: 0), arithmetic wrapping modulo 2^64 as the C does,
 * then at most one K, M, G, T, P or E (binary, either case). Returns the value and the rest.
 */
export function memparseRest(s: string): { value: bigint; rest: string } {
  let i = 0;
  let base = 10n;
  if (s[0] === "0") {
    if ((s[1] === "x" || s[1] === "X") && /[0-9a-fA-F]/.test(s[2] ?? "")) {
      base = 16n;
      i = 2;
    } else base = 8n;
  }
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i] as string, 16);
    if (Number.isNaN(d) || BigInt(d) >= base) break;
    v = (v * base + BigInt(d)) % U64_MOD;
  }
  const shift = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n }[(s[i] ?? "").toLowerCase()];
  if (shift !== undefined) {
    v = (v << shift) % U64_MOD;
    i++;
  }
  return { value: v, rest: s.slice(i) };
}

/** memparse() that must consume the whole string (page_counter_memparse()'s check): the bytes, or null */
export function memparse(s: string): bigint | null {
  const { value, rest } = memparseRest(s);
  return rest === "" ? value : null;
}

/**
 * mirrors memory_max_write() -> page_counter_memparse(): "max" or bytes, rounded down to pages. As
 * in the kernel, an empty value (after strstrip) is 0 bytes, and "k" alone is 0 too
 */
export function memoryMaxWrite(cg: Cgroup, text: string, oomKill?: (cg: Cgroup) => number): number {
  const buf = text.trim();
  const s = memcg(cg);
  let pages: bigint;
  if (buf === "max") pages = PAGE_COUNTER_MAX;
  else {
    const bytes = memparse(buf);
    if (bytes === null) return -EINVAL;
    pages = bytes / BigInt(PAGE);
    if (pages > PAGE_COUNTER_MAX) pages = PAGE_COUNTER_MAX;
  }
  s.maxPages = pages;
  const maxBytes = pages * BigInt(PAGE);
  s.maxBytes = maxBytes > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(maxBytes);
  // the loop after xchg(): without swap nothing here is reclaimable, so its 16 reclaim retries all
  // fail and each round is MEMCG_OOM and mem_cgroup_out_of_memory() until the usage fits or no
  // one is left. The kernel spins until each victim's memory is gone; the simulator's write
  // returns at once, counting each victim's memory as gone (README, "Simplifications")
  let projected = BigInt(s.usage);
  while (oomKill !== undefined && projected > maxBytes) {
    const freed = oomKill(cg);
    if (freed < 0) break;
    projected -= BigInt(freed);
  }
  return 0;
}

export function memoryFile(cg: Cgroup, file: string): string | null {
  const s = memcg(cg);
  switch (file) {
    case "memory.max":
      return s.maxPages === PAGE_COUNTER_MAX ? "max\n" : `${s.maxPages * BigInt(PAGE)}\n`;
    case "memory.current":
      return `${s.usage}\n`;
    case "memory.events":
      return `low 0\nhigh 0\nmax ${s.max}\noom ${s.oom}\noom_kill ${s.oomKill}\noom_group_kill 0\n`;
    default:
      return null;
  }
}

/** memcg_memory_event(): the cgroup and its ancestors below the root count the event */
function memoryEvent(cg: Cgroup, event: "max" | "oom" | "oomKill"): void {
  for (let c: Cgroup | null = cg; c !== null && c.parent !== null; c = c.parent) memcg(c)[event]++;
}

/** page_counter_try_charge(): null on success, or the level over its memory.max */
export function memcgTryCharge(cg: Cgroup, bytes: number): Cgroup | null {
  for (let c: Cgroup | null = cg; c !== null; c = c.parent) {
    const s = memcg(c);
    if (c.parent !== null && s.usage + bytes > s.maxBytes) {
      for (let u: Cgroup | null = cg; u !== c; u = (u as Cgroup).parent) memcg(u as Cgroup).usage -= bytes;
      memoryEvent(c, "max");
      return c;
    }
    s.usage += bytes;
  }
  return null;
}

/** memcgTryCharge(cg, bytes) would succeed: every level below the root has room (no side effects) */
export function memcgFits(cg: Cgroup, bytes: number): boolean {
  for (let c: Cgroup | null = cg; c !== null && c.parent !== null; c = c.parent) {
    const s = memcg(c);
    if (s.usage + bytes > s.maxBytes) return false;
  }
  return true;
}

export function memcgUncharge(cg: Cgroup, bytes: number): void {
  for (let c: Cgroup | null = cg; c !== null; c = c.parent) memcg(c).usage -= bytes;
}

/** the OOM killer ran for `cg`; `killed` tells whether it found a victim */
export function memcgOomEvent(cg: Cgroup, killed: boolean): void {
  memoryEvent(cg, "oom");
  if (killed) memoryEvent(cg, "oomKill");
}
