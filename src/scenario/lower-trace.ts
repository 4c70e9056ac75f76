// Lowering a trace access phase (`access: { trace: { file, format, tenant, timing } }`): the trace
// file, resolved from the scenario file's folder, read once per load; the tenant's requests (all of
// them, the tenant column read past, when the phase names none) as the pages of a trace pattern;
// with `timing: trace`, the gaps between timestamps as think time.
import { dirname, isAbsolute, resolve } from "node:path";
import { closestMatch } from "leven";
import { readTrace } from "../trace/read.js";
import { TraceError } from "../trace/error.js";
import type { Trace } from "../trace/trace.js";
import { phaseSchemas } from "./schema.js";
import type { AccessPhase } from "./types.js";
import type { Path } from "./errors.js";
import { pagesOf, type Loader } from "./loader.js";

/** what a load knows of traces: those already read (by traceKey()), and the folder relative names resolve from */
interface TraceContext {
  traces: Map<string, Trace>;
  baseDir: string | null;
}

const contextOf = new WeakMap<Loader, TraceContext>();

/**
 * a trace file named in the scenario: relative to `baseDir` when given, else to the scenario file's
 * folder (the working directory for text without a file)
 */
export function resolveTracePath(source: string, file: string, baseDir: string | null = null): string {
  if (isAbsolute(file)) return file;
  const base = baseDir ?? (source.startsWith("<") ? process.cwd() : dirname(resolve(source)));
  return resolve(base, file);
}

/**
 * the key of a trace read from `file` (resolved) as `format` (undefined: by its name), with its
 * tenant column read or, for a phase that names no tenant, read past (ReadTraceOptions.ignoreTenants),
 * and its timestamps kept or, for a phase without `timing: trace`, left out (ReadTraceOptions.ignoreTimes)
 */
export function traceKey(file: string, format: string | undefined, ignoreTenants = false, ignoreTimes = false): string {
  return `${format ?? ""}\u0000${ignoreTenants ? "all" : "tenants"}\u0000${ignoreTimes ? "untimed" : "timed"}\u0000${file}`;
}

/** traces already read (by traceKey()) for the load to use, and the folder trace names resolve from */
export function useTraces(ld: Loader, traces: Map<string, Trace> | undefined, baseDir: string | undefined): void {
  contextOf.set(ld, { traces: traces ?? new Map(), baseDir: baseDir ?? null });
}

function loadTrace(ld: Loader, file: string, format: string | undefined, ignoreTenants: boolean, ignoreTimes: boolean, path: Path): Trace {
  let ctx = contextOf.get(ld);
  if (ctx === undefined) {
    ctx = { traces: new Map(), baseDir: null };
    contextOf.set(ld, ctx);
  }
  const cache = ctx.traces;
  const full = resolveTracePath(ld.source, file, ctx.baseDir);
  const key = traceKey(full, format, ignoreTenants, ignoreTimes);
  const known = cache.get(key);
  if (known !== undefined) return known;
  try {
    const trace = readTrace(full, { ...(format === undefined ? {} : { format }), ignoreTenants, ignoreTimes });
    cache.set(key, trace);
    return trace;
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    return ld.fail(path, e.message);
  }
}

/** the requests of tenant `t` (all of them when the trace has no tenant column) */
function requestsOf(trace: Trace, t: number): Int32Array | null {
  const of = trace.tenantOf;
  if (of === null) return null;
  let n = 0;
  for (let i = 0; i < trace.requests; i++) if (of[i] === t) n++;
  const idx = new Int32Array(n);
  n = 0;
  for (let i = 0; i < trace.requests; i++) if (of[i] === t) idx[n++] = i;
  return idx;
}

export function lowerTracePhase(ld: Loader, raw: unknown, path: Path): AccessPhase {
  const a = ld.check(phaseSchemas.trace, raw, path);
  const at = [...path, "trace"];
  // without a tenant the whole trace is replayed, its tenant column (if any) read past; without
  // timing: trace its timestamps are not needed
  const trace = loadTrace(ld, a.trace.file, a.trace.format, a.trace.tenant === undefined, a.trace.timing !== "trace", [...at, "file"]);
  let t = 0;
  if (trace.tenantOf !== null) {
    const names = trace.tenants;
    t = names.indexOf(a.trace.tenant as string);
    if (t < 0) {
      const near = closestMatch(a.trace.tenant as string, names);
      ld.fail([...at, "tenant"], `expected a tenant of the trace${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}`);
    }
  } else if (a.trace.tenant !== undefined) {
    ld.fail([...at, "tenant"], "expected no tenant: the trace has no tenant column");
  }
  const idx = requestsOf(trace, t);
  const n = idx === null ? trace.requests : idx.length;
  const pages = idx === null ? trace.page.subarray(0, trace.requests) : Uint32Array.from(idx, (i) => trace.page[i] as number);
  let thinkNs: Float64Array | null = null;
  if (a.trace.timing === "trace") {
    const times = trace.timeNs;
    if (times === null) ld.fail([...at, "timing"], `expected a trace with timestamps for timing: trace (a ${trace.format} trace without them)`);
    const time = (k: number): number => (times as Float64Array)[idx === null ? k : (idx[k] as number)] as number;
    thinkNs = new Float64Array(n);
    for (let k = 0; k + 1 < n; k++) {
      const gap = time(k + 1) - time(k);
      if (gap < 0) ld.fail([...at, "timing"], `expected timestamps in order: request ${(idx === null ? k + 1 : (idx[k + 1] as number)) + 1} of the trace is earlier than the one before it`);
      thinkNs[k] = Math.round(gap);
    }
  }
  const offset = a.offset ?? 0;
  pagesOf(ld, offset, [...path, "offset"], "an offset");
  const distinct = trace.distinctPages[t] ?? 0;
  return {
    type: "access",
    pattern: { kind: "trace", pages, thinkNs, tenant: trace.tenants[t] ?? "", source: a.trace.file },
    offset,
    pages: Math.max(distinct, 1),
    count: n,
    writeRatio: 0,
    thinkNs: a.think ?? 0,
  };
}
