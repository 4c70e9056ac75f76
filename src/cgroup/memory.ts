// The memory controller as far as SGX needs it: a hierarchical page counter with memory.max, the
// shmem backing store of swapped-out EPC charged to it, memory.events, and the memcg OOM killer when
// a charge cannot fit (there is no swap, and nothing else in our model is reclaimable).
import { EINVAL } from "../kernel/errno.js";
import { U64_MAX, type Cgroup } from "./misc.js";

const PAGE = 4096;

/** per-cgroup memory controller state */
export interface MemcgState {
  /** memory.max in pages (U64_MAX / 4096 for "max") */
  maxPages: bigint;
  /** bytes charged in the subtree */
  usage: number;
  max: number;
  oom: number;
  oomKill: number;
}

const states = new WeakMap<Cgroup, MemcgState>();
const PAGE_COUNTER_MAX = U64_MAX / BigInt(PAGE);

export function memcg(cg: Cgroup): MemcgState {
  let s = states.get(cg);
  if (s === undefined) {
    s = { maxPages: PAGE_COUNTER_MAX, usage: 0, max: 0, oom: 0, oomKill: 0 };
    states.set(cg, s);
  }
  return s;
}

/** mirrors memparse(): a number with an optional K, M, G, T, P or E suffix (binary), base 0 */
export function memparse(s: string): bigint | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kKmMgGtTpPeE]?)$/.exec(s);
  if (m === null) return null;
  const digits = m[1] as string;
  let v = digits.startsWith("0x") || digits.startsWith("0X") ? BigInt(digits) : digits.length > 1 && digits.startsWith("0") ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const shift = { "": 0n, k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n }[(m[2] as string).toLowerCase()] ?? 0n;
  v <<= shift;
  return v > U64_MAX ? U64_MAX : v;
}

/** mirrors memory_max_write() -> page_counter_memparse(): "max" or bytes, rounded down to pages */
export function memoryMaxWrite(cg: Cgroup, text: string): number {
  const buf = text.trim();
  if (buf === "max") {
    memcg(cg).maxPages = PAGE_COUNTER_MAX;
    return 0;
  }
  const bytes = memparse(buf);
  if (bytes === null) return -EINVAL;
  const pages = bytes / BigInt(PAGE);
  memcg(cg).maxPages = pages > PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : pages;
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
    if (c.parent !== null && BigInt(s.usage + bytes) > s.maxPages * BigInt(PAGE)) {
      for (let u: Cgroup | null = cg; u !== c; u = (u as Cgroup).parent) memcg(u as Cgroup).usage -= bytes;
      memoryEvent(c, "max");
      return c;
    }
    s.usage += bytes;
  }
  return null;
}

export function memcgUncharge(cg: Cgroup, bytes: number): void {
  for (let c: Cgroup | null = cg; c !== null; c = c.parent) memcg(c).usage -= bytes;
}

/** the OOM killer ran for `cg`; `killed` tells whether it found a victim */
export function memcgOomEvent(cg: Cgroup, killed: boolean): void {
  memoryEvent(cg, "oom");
  if (killed) memoryEvent(cg, "oomKill");
}
