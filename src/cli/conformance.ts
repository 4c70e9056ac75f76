// The conformance suite: each case is one kernel behaviour (spec 6.8 M1–M6, R1–R6; core-spec §15
// quirks), a scenario, and the observations the kernel would produce, checked by field path in the
// run's JSON result. Cases live in test/conformance/*.yaml; this file loads and judges them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument, stringify } from "yaml";
import { z } from "zod";
import { parseScenarioText } from "../scenario/load.js";
import { createSimulator } from "../programs/run.js";
import type { SimObserver } from "../engine/observer.js";
import type { Sgx } from "../kernel/state.js";

const expectationSchema = z.strictObject({
  /** a path into the JSON result: dotted ("fileOps.1.result") or a list when a key holds dots or
   * slashes (["cgroups", "/a", "current"]) */
  path: z.union([z.string().min(1), z.array(z.union([z.string(), z.number()])).min(1)]),
  /** the exact value (compared as JSON) ... */
  equals: z.unknown().optional(),
  /** ... or a lower bound, for counts the kernel only bounds (events count failed attempts) */
  atLeast: z.number().optional(),
  /** what the kernel does here, in one phrase, for the table */
  what: z.string().min(1),
});

const caseSchema = z.strictObject({
  behaviour: z.string().min(1),
  title: z.string().min(1),
  generation: z.enum(["mainline", "v17", "v5"]),
  section: z.string().min(1),
  expect: z.array(expectationSchema.refine((e) => (e.equals === undefined) !== (e.atLeast === undefined), "give exactly one of equals and atLeast")).min(1),
  scenario: z.record(z.string(), z.unknown()),
});

export type ConformanceCase = z.infer<typeof caseSchema> & { file: string };

export interface ConformanceRow {
  behaviour: string;
  generation: string;
  what: string;
  expected: string;
  observed: string;
  pass: boolean;
}

export function lookup(root: unknown, path: string | (string | number)[]): unknown {
  const segments = typeof path === "string" ? path.split(".") : path;
  let v: unknown = root;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[String(s)];
  }
  return v;
}

export function loadConformanceCases(dir: string): ConformanceCase[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new Error(`${dir}: expected a directory of conformance case files (*.yaml), but it cannot be read.`);
  }
  const files = names.filter((f) => f.endsWith(".yaml")).sort();
  return files.map((f) => {
    const file = join(dir, f);
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines, prettyErrors: false });
    const err = doc.errors[0];
    if (err !== undefined) {
      const pos = lines.linePos(err.pos[0]);
      throw new Error(`${file}:${pos.line}:${pos.col}: the case is not valid YAML: ${err.message.split("\n")[0] ?? ""}`);
    }
    const parsed = caseSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid case"}.`);
    }
    return { ...parsed.data, file };
  });
}

const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

const TRACE_LIMIT = 32;
const PAGE_TYPE_NAMES = ["SECS", "TCS", "REG", "VA", "TRIM"];

/** What a case can observe besides the summary, under the key `trace`: kernel-internal facts that
 * no user-visible file shows but that a spec statement is about. */
export interface ConformanceTrace {
  /** the first cgroups visited by reclaim walks from the misc root's cursor (global reclaim), in order */
  globalReclaimVisits: string[];
  /** per walk root (a cgroup reclaiming its own subtree), the first cgroups its cursor visited */
  cgroupReclaimVisits: Record<string, string[]>;
  /** EPCM page type of the first frames at the end of the run ("free" when not valid) */
  firstFrames: string[];
  /** for each enclave not yet released at the end, by id: how many mms are on its mm_list */
  enclaveMms: number[];
  /** the most runs of one work item that were ever in progress at the same time (the kernel: 1) */
  workRunsAtOnce: number;
  /** reclaim batches that reported more young pages than they scanned (the kernel: 0) */
  batchesYoungAboveScanned: number;
}

/** watches the slices and batches a case can make claims about; observing changes nothing */
function conformanceObserver(trace: ConformanceTrace): SimObserver {
  const runs = new Map<number, [number, number][]>();
  return {
    sampleIntervalNs: Infinity,
    sample() {},
    event(e) {
      if (e.type === "reclaim-batch" && e.young > e.scanned) trace.batchesYoungAboveScanned++;
    },
    slice(track, name, startNs, endNs) {
      if (name !== "work item") return;
      const list = runs.get(track.tid) ?? [];
      runs.set(track.tid, list);
      list.push([startNs, endNs]);
      // runs in progress at this run's start, itself included
      const atOnce = list.filter(([s, e]) => s <= startNs && e > startNs).length;
      trace.workRunsAtOnce = Math.max(trace.workRunsAtOnce, atOnce);
    },
  };
}

function frameTypes(sgx: Sgx, n: number): string[] {
  const out: string[] = [];
  for (let f = 0; f < Math.min(n, sgx.totalPages); f++) out.push(sgx.epcm.isValid(f) ? PAGE_TYPE_NAMES[sgx.epcm.type(f)] ?? "?" : "free");
  return out;
}

export function runConformanceCase(c: ConformanceCase): ConformanceRow[] {
  const scenario = parseScenarioText(stringify({ kernel: c.generation, ...c.scenario }), c.file);
  const trace: ConformanceTrace = { globalReclaimVisits: [], cgroupReclaimVisits: {}, firstFrames: [], enclaveMms: [], workRunsAtOnce: 0, batchesYoungAboveScanned: 0 };
  const sim = createSimulator(scenario, { checkInvariants: true, observer: conformanceObserver(trace) });
  sim.sgx.onReclaimVisit = (cg, walkRoot) => {
    const list = walkRoot === sim.sgx.cgroups.root ? trace.globalReclaimVisits : (trace.cgroupReclaimVisits[walkRoot.path] ??= []);
    if (list.length < TRACE_LIMIT) list.push(cg.path);
  };
  const summary = sim.run();
  trace.firstFrames = frameTypes(sim.sgx, 8);
  for (const e of sim.sgx.encls) if (e !== undefined && !e.released) trace.enclaveMms.push(e.mmList.length);
  const result = { ...summary, trace };
  const rows = c.expect.map((e) => {
    const observed = lookup(result, e.path);
    return {
      behaviour: c.behaviour,
      generation: c.generation,
      what: e.what,
      expected: e.atLeast !== undefined ? `>= ${e.atLeast}` : show(e.equals),
      observed: show(observed),
      pass: e.atLeast !== undefined ? typeof observed === "number" && observed >= e.atLeast : JSON.stringify(observed) === JSON.stringify(e.equals),
    };
  });
  const violations = summary.invariants.violations.length;
  rows.push({
    behaviour: c.behaviour,
    generation: c.generation,
    what: "no invariant violations",
    expected: "0",
    observed: String(violations),
    pass: violations === 0,
  });
  return rows;
}

export function formatConformanceTable(rows: ConformanceRow[]): string {
  const header = ["behaviour", "generation", "what", "expected", "observed", "result"];
  const cells = rows.map((r) => [r.behaviour, r.generation, r.what, r.expected, r.observed, r.pass ? "pass" : "FAIL"]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const passed = rows.filter((r) => r.pass).length;
  return `${[line(header), ...cells.map(line)].join("\n")}\n\n${passed}/${rows.length} checks passed.\n`;
}
