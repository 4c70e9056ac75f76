// trace.json: the run in the Chrome trace-event format (JSON object form) that Perfetto and
// chrome://tracing open. One track per simulated thread, per kernel thread (ksgxd) and per work
// item; B/E slices for ioctls, faults, reclaim batches and work runs; counters for free pages and
// per-cgroup usage. Timestamps are microseconds of simulated time.
// Perfetto keys threads by tid alone, so tids are renumbered to be unique across processes and
// never equal to a pid; the kernel (ksgxd, the kworkers, the counters) is a process of its own,
// numbered after the last user process (pid 0 is the idle task to a Linux trace viewer).
import type { Recorder, Slice } from "./recorder.js";

export interface TraceEvent {
  name: string;
  ph: "B" | "E" | "C" | "M";
  ts?: number;
  pid: number;
  tid?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ns";
  otherData: Record<string, string | number>;
}

const us = (ns: number): number => ns / 1000;
/** the simulator's pid of kernel tracks (engine/sim.ts) */
const SIM_KERNEL_PID = 0;

/** the trace's pid and tid for each simulator track: user pids kept, the kernel after them, tids after all pids */
interface TrackIds {
  kernelPid: number;
  pid(track: { pid: number }): number;
  tid(track: { pid: number; tid: number }): number;
}

function trackIds(slices: readonly Slice[]): TrackIds {
  let maxPid = 0;
  const keys = new Map<string, { pid: number; tid: number }>();
  for (const s of slices) {
    if (s.track.pid !== SIM_KERNEL_PID) maxPid = Math.max(maxPid, s.track.pid);
    const key = `${s.track.pid}:${s.track.tid}`;
    if (!keys.has(key)) keys.set(key, { pid: s.track.pid, tid: s.track.tid });
  }
  const kernelPid = maxPid + 1;
  // user threads in (pid, tid) order, then the kernel's
  const order = [...keys.entries()].sort(([, a], [, b]) => (a.pid === SIM_KERNEL_PID ? 1 : 0) - (b.pid === SIM_KERNEL_PID ? 1 : 0) || a.pid - b.pid || a.tid - b.tid);
  const tids = new Map<string, number>();
  order.forEach(([key], i) => tids.set(key, kernelPid + 1 + i));
  return {
    kernelPid,
    pid: (t) => (t.pid === SIM_KERNEL_PID ? kernelPid : t.pid),
    tid: (t) => tids.get(`${t.pid}:${t.tid}`) as number,
  };
}

/** B/E pairs for one track's slices, properly nested (a child ends no later than its parent), each passed to `emit` */
function trackEvents(slices: Slice[], ids: TrackIds, emit: (e: TraceEvent) => void): void {
  const sorted = slices.slice().sort((a, b) => a.startNs - b.startNs || b.endNs - a.endNs);
  const stack: { s: Slice; endNs: number }[] = [];
  const close = (upTo: number): void => {
    while (stack.length > 0 && (stack.at(-1) as { endNs: number }).endNs <= upTo) {
      const top = stack.pop() as { s: Slice; endNs: number };
      emit({ name: top.s.name, ph: "E", ts: us(top.endNs), pid: ids.pid(top.s.track), tid: ids.tid(top.s.track) });
    }
  };
  for (const s of sorted) {
    close(s.startNs);
    const parentEnd = stack.at(-1)?.endNs ?? Infinity;
    const endNs = Math.min(s.endNs, parentEnd);
    const ev: TraceEvent = { name: s.name, cat: "sgx", ph: "B", ts: us(s.startNs), pid: ids.pid(s.track), tid: ids.tid(s.track) };
    if (s.args !== undefined) ev.args = s.args;
    emit(ev);
    stack.push({ s, endNs });
  }
  close(Infinity);
}

/**
 * Every event of the trace, in file order, passed to `emit` one at a time: a recording of any size
 * becomes a trace without one array (or one string) holding all of it. Returns the otherData.
 */
export function emitTrace(rec: Recorder, meta: Record<string, string | number>, emit: (e: TraceEvent) => void): Record<string, string | number> {
  const tracks = new Map<string, Slice[]>();
  const names = new Map<number, string>();
  const threadNames = new Map<string, { pid: number; tid: number; name: string }>();
  const ids = trackIds(rec.slices);
  names.set(ids.kernelPid, "kernel");
  for (const s of rec.slices) {
    const key = `${s.track.pid}:${s.track.tid}`;
    let list = tracks.get(key);
    if (list === undefined) tracks.set(key, (list = []));
    list.push(s);
    names.set(ids.pid(s.track), s.track.process);
    threadNames.set(key, { pid: ids.pid(s.track), tid: ids.tid(s.track), name: s.track.thread });
  }
  for (const [pid, name] of [...names].sort((a, b) => a[0] - b[0])) emit({ name: "process_name", ph: "M", pid, args: { name } });
  for (const t of [...threadNames.values()].sort((a, b) => a.tid - b.tid)) emit({ name: "thread_name", ph: "M", pid: t.pid, tid: t.tid, args: { name: t.name } });
  for (const key of [...tracks.keys()].sort((a, b) => ids.tid(tracks.get(a)?.[0]?.track as Slice["track"]) - ids.tid(tracks.get(b)?.[0]?.track as Slice["track"])))
    trackEvents(tracks.get(key) as Slice[], ids, emit);
  for (const r of rec.rows) {
    emit({ name: "free EPC pages", ph: "C", ts: us(r.timeNs), pid: ids.kernelPid, args: { free: r.freePages } });
    const usage: Record<string, number> = {};
    for (const [path, c] of Object.entries(r.cgroups)) usage[path] = c.misc;
    if (Object.keys(usage).length > 0) emit({ name: "misc.current (bytes)", ph: "C", ts: us(r.timeNs), pid: ids.kernelPid, args: usage });
  }
  const droppedSlices = Object.entries(rec.dropped).filter(([k]) => k.startsWith("slice:"));
  const otherData: Record<string, string | number> = { ...meta };
  for (const [k, n] of droppedSlices) otherData[`dropped ${k.slice(6)} slices`] = n;
  return otherData;
}

/** the whole trace as one document (for checks and small runs; files are written by writeTraceFile) */
export function buildTrace(rec: Recorder, meta: Record<string, string | number>): TraceDocument {
  const events: TraceEvent[] = [];
  const otherData = emitTrace(rec, meta, (e) => {
    events.push(e);
  });
  return { traceEvents: events, displayTimeUnit: "ns", otherData };
}

/**
 * writes trace.json to `fd` in chunks: the same JSON as JSON.stringify(buildTrace(...)) but never
 * more than a chunk of it in memory as text
 */
export function writeTrace(write: (text: string) => void, rec: Recorder, meta: Record<string, string | number>): void {
  const CHUNK = 4096;
  let buf: string[] = [];
  let first = true;
  write('{"traceEvents":[');
  const otherData = emitTrace(rec, meta, (e) => {
    buf.push(first ? JSON.stringify(e) : `,${JSON.stringify(e)}`);
    first = false;
    if (buf.length >= CHUNK) {
      write(buf.join(""));
      buf = [];
    }
  });
  write(buf.join(""));
  write(`],"displayTimeUnit":"ns","otherData":${JSON.stringify(otherData)}}\n`);
}

/**
 * Checks a document against the trace-event format as far as we use it: required fields for each
 * phase, matched B/E pairs per track, non-decreasing timestamps per track. Returns the problems found.
 */
export function checkTrace(doc: unknown): string[] {
  const problems: string[] = [];
  if (doc === null || typeof doc !== "object" || !Array.isArray((doc as { traceEvents?: unknown }).traceEvents)) return ["expected an object with a traceEvents array"];
  const evs = (doc as { traceEvents: unknown[] }).traceEvents;
  const open = new Map<string, string[]>();
  const lastTs = new Map<string, number>();
  // Perfetto identifies a thread by its tid alone: one tid, one process, and no tid that is a pid
  const pidOfTid = new Map<number, number>();
  const pids = new Set<number>();
  evs.forEach((raw, i) => {
    const e = raw as Record<string, unknown>;
    const where = `event ${i}`;
    if (typeof e.ph !== "string") return problems.push(`${where}: no ph`);
    if (typeof e.pid !== "number") problems.push(`${where}: no numeric pid`);
    else {
      pids.add(e.pid);
      if (typeof e.tid === "number") {
        const owner = pidOfTid.get(e.tid);
        if (owner === undefined) pidOfTid.set(e.tid, e.pid);
        else if (owner !== e.pid) problems.push(`${where}: tid ${e.tid} is in process ${e.pid} and in process ${owner}`);
      }
    }
    if (e.ph === "M") {
      if (typeof e.name !== "string" || typeof (e.args as { name?: unknown } | undefined)?.name !== "string") problems.push(`${where}: metadata needs name and args.name`);
      return;
    }
    if (typeof e.ts !== "number" || !Number.isFinite(e.ts) || e.ts < 0) return problems.push(`${where}: ts must be a non-negative number`);
    const key = e.ph === "C" ? `${String(e.pid)}:counter:${String(e.name)}` : `${String(e.pid)}:${String(e.tid)}`;
    if (e.ph === "B" || e.ph === "E") {
      if (typeof e.tid !== "number") problems.push(`${where}: ${e.ph} needs a numeric tid`);
      const prev = lastTs.get(key);
      if (prev !== undefined && e.ts < prev) problems.push(`${where}: timestamp ${e.ts} goes back on track ${key} (after ${prev})`);
      lastTs.set(key, e.ts);
      const stack = open.get(key) ?? [];
      open.set(key, stack);
      if (e.ph === "B") {
        if (typeof e.name !== "string") problems.push(`${where}: B needs a name`);
        stack.push(String(e.name));
      } else if (stack.length === 0) problems.push(`${where}: E without a matching B on track ${key}`);
      else {
        const name = stack.pop();
        if (typeof e.name === "string" && e.name !== name) problems.push(`${where}: E "${e.name}" closes "${String(name)}"`);
      }
    } else if (e.ph === "C") {
      if (typeof e.name !== "string") problems.push(`${where}: C needs a name`);
      const args = e.args;
      if (args === null || typeof args !== "object" || Object.values(args).some((v) => typeof v !== "number")) problems.push(`${where}: C needs numeric args`);
      const prev = lastTs.get(key);
      if (prev !== undefined && e.ts < prev) problems.push(`${where}: counter timestamp goes back`);
      lastTs.set(key, e.ts);
    } else problems.push(`${where}: unexpected phase ${e.ph}`);
    return undefined;
  });
  for (const [key, stack] of open) if (stack.length > 0) problems.push(`track ${key}: ${stack.length} B without E`);
  for (const [tid, pid] of pidOfTid) if (pids.has(tid) && tid !== pid) problems.push(`tid ${tid} of process ${pid} is also a process id`);
  if (pids.has(0)) problems.push("pid 0 is the idle task to trace viewers; the kernel needs a process of its own");
  return problems;
}
