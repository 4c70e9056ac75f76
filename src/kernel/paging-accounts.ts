// Paging and EPC use per cgroup and per process. The kernel keeps no such counters (not even v17,
// whose misc files show charges only): the simulator attributes each event at the place where it
// bumps the matching global counter, so that the parts add up to the whole.
//   task events (faults, NOPAGE retries, SIGBUS, charge failures, vEPC faults) count for `current`:
//     its process and the cgroup it is in (the cgroup the charge goes to);
//   page events (ELDU, EAUG, pages written back, pages isolated from an LRU) count for the process
//     and cgroup the frame was allocated for, which is the frame's charge whenever there is one.
// Per cgroup, an event counts for the cgroup and each ancestor, as a charge does in misc.current
// (so a cgroup removed with rmdir leaves its counts in its parent).
import type { Cgroup } from "../cgroup/misc.js";
import type { PairTags } from "../lib/pair-tags.js";

/** the `paging` object of summary.json, in this order */
export const PAGING_FIELDS = ["faults", "nopageRetries", "eldu", "ewbPages", "eaug", "sigbus", "chargeFailures", "reclaimedFrom", "vepcFaults"] as const;
export type PagingField = (typeof PAGING_FIELDS)[number];
export type Paging = Record<PagingField, number>;

export const PG_FAULTS = 0;
export const PG_NOPAGE_RETRIES = 1;
export const PG_ELDU = 2;
export const PG_EWB_PAGES = 3;
export const PG_EAUG = 4;
export const PG_SIGBUS = 5;
export const PG_CHARGE_FAILURES = 6;
export const PG_RECLAIMED_FROM = 7;
export const PG_VEPC_FAULTS = 8;
const NF = PAGING_FIELDS.length;

/** a Float64Array indexed [slot * width + field], grown on demand */
class Table {
  data: Float64Array;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 16);
  }
  ensure(slot: number): void {
    const need = (slot + 1) * this.width;
    if (need <= this.data.length) return;
    const next = new Float64Array(Math.max(need, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
  add(slot: number, field: number): void {
    this.ensure(slot);
    const i = slot * this.width + field;
    this.data[i] = (this.data[i] as number) + 1;
  }
  get(slot: number, field: number): number {
    const i = slot * this.width + field;
    return i < this.data.length ? (this.data[i] as number) : 0;
  }
}

const EPC_NOW = 0;
const EPC_PEAK = 1;

export class PagingAccounts {
  /** per cgroup id: event counts of its subtree */
  private readonly cg = new Table(NF);
  /** per pid (0 = kernel threads): event counts */
  private readonly proc = new Table(NF);
  /** per cgroup id: EPC pages allocated for its subtree now, and the peak of that */
  private readonly cgEpc = new Table(2);
  /** per pid: EPC pages allocated for it now, and the peak */
  private readonly procEpc = new Table(2);
  private readonly slotOf = new Map<number, number>();
  private readonly slotCg: number[] = [0];
  private readonly slotPid: number[] = [0];

  constructor(
    /**
     * per frame, side `b`: the owner slot it was allocated for, 0 = none. A slot is one (cgroup,
     * pid) pair, and the tags are the EPCM's (hw/epcm.ts Epcm.tags, whose side `a` is the frame's
     * EPCM owner): few (owner, slot) pairs are in use at once, so both cost a frame 2 bytes
     */
    private readonly frameSlot: PairTags,
  ) {}

  /** the cgroup id + 1 the frame was allocated for, 0 = none */
  frameCgroupId(frame: number): number {
    return this.slotCg[this.frameSlot.b(frame)] as number;
  }

  private slot(cg: Cgroup, pid: number): number {
    const key = pid * 65536 + cg.id;
    let s = this.slotOf.get(key);
    if (s === undefined) {
      s = this.slotCg.length;
      this.slotOf.set(key, s);
      this.slotCg.push(cg.id + 1);
      this.slotPid.push(pid);
    }
    return s;
  }

  /** one event of `field` for a task in cgroup `cg` of process `pid` */
  count(field: number, cg: Cgroup, pid: number): void {
    for (let c: Cgroup | null = cg; c !== null; c = c.parent) {
      this.cg.add(c.id, field);
    }
    this.proc.add(pid, field);
  }

  /** one event of `field` for the cgroup and process frame `frame` was allocated for */
  countFrame(field: number, frame: number, cgroups: readonly Cgroup[]): void {
    const s = this.frameSlot.b(frame);
    if (s === 0) return;
    this.count(field, cgroups[(this.slotCg[s] as number) - 1] as Cgroup, this.slotPid[s] as number);
  }

  /** the frame was allocated for `pid` in `cg` */
  allocated(frame: number, cg: Cgroup, pid: number): void {
    this.frameSlot.setB(frame, this.slot(cg, pid));
    for (let c: Cgroup | null = cg; c !== null; c = c.parent) this.bump(this.cgEpc, c.id, 1);
    this.bump(this.procEpc, pid, 1);
  }

  /** the frame was freed */
  freed(frame: number, cgroups: readonly Cgroup[]): void {
    const s = this.frameSlot.b(frame);
    if (s === 0) return;
    this.frameSlot.setB(frame, 0);
    for (let c: Cgroup | null = cgroups[(this.slotCg[s] as number) - 1] as Cgroup; c !== null; c = c.parent) this.bump(this.cgEpc, c.id, -1);
    this.bump(this.procEpc, this.slotPid[s] as number, -1);
  }

  private bump(t: Table, slot: number, delta: number): void {
    t.ensure(slot);
    const i = slot * 2;
    const now = (t.data[i + EPC_NOW] as number) + delta;
    t.data[i + EPC_NOW] = now;
    if (now > (t.data[i + EPC_PEAK] as number)) t.data[i + EPC_PEAK] = now;
  }

  /** the count of `field` for cgroup `cg` and its descendants */
  cgroupTotal(cg: Cgroup, field: number): number {
    return this.cg.get(cg.id, field);
  }

  /** the count of `field` for process `pid` */
  processTotal(pid: number, field: number): number {
    return this.proc.get(pid, field);
  }

  cgroupPaging(cg: Cgroup): Paging {
    const out = {} as Paging;
    PAGING_FIELDS.forEach((f, i) => (out[f] = this.cgroupTotal(cg, i)));
    return out;
  }

  processPaging(pid: number): Paging {
    const out = {} as Paging;
    PAGING_FIELDS.forEach((f, i) => (out[f] = this.processTotal(pid, i)));
    return out;
  }

  /** EPC pages allocated for cgroup `cg`'s subtree: now and at the peak */
  cgroupEpc(cg: Cgroup): { pages: number; peakPages: number } {
    return { pages: this.cgEpc.get(cg.id, EPC_NOW), peakPages: this.cgEpc.get(cg.id, EPC_PEAK) };
  }

  processEpc(pid: number): { pages: number; peakPages: number } {
    return { pages: this.procEpc.get(pid, EPC_NOW), peakPages: this.procEpc.get(pid, EPC_PEAK) };
  }
}
