// What a container does inside its enclave, from the pod annotation epcsim.io/workload.<container>:
// the `program:` of a scenario process (YAML or JSON text), or the name of a page-access trace file
// (relative to the pods file) replayed in an enclave sized for its pages, as `epcsim replay` does.
// Without the annotation, the default: an enclave whose pages, SECS and VA pages come to the
// container's EPC request, each page touched once after EINIT, then idle until the end of the run.
import { dirname, resolve } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { readTrace } from "../trace/read.js";
import { TraceError } from "../trace/error.js";
import type { Trace } from "../trace/trace.js";
import { traceKey } from "../scenario/lower-trace.js";
import { parseScenarioText, ScenarioError } from "../scenario/load.js";
import { isObject, ManifestError, where, type Manifest } from "./manifest.js";

export const WORKLOAD_KEY = "epcsim.io/workload.";
const PAGE = 4096;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * the most pages an enclave may add so that, with its SECS and one VA page per 512 pages it may
 * evict (the SECS counts), it takes at most `pages` frames; at least 2 (a REG page and the TCS)
 */
export function addablePages(pages: number): number {
  let n = Math.max(2, pages - 2);
  while (n > 2 && n + 1 + Math.ceil((n + 1) / 512) > pages) n--;
  return n;
}

/** the default workload for an EPC request of `bytes`: build, touch every page once, idle to `untilNs` */
export function defaultProgram(bytes: number, untilNs: number): Record<string, unknown> {
  const added = addablePages(Math.floor(bytes / PAGE));
  const reg = (added - 1) * PAGE;
  return {
    enclave: { size: nextPow2(added * PAGE), add: added * PAGE, measure: false, tcs: 1 },
    access: { phases: [{ pattern: "sequential", pages: reg, count: added - 1 }, { idle: `${untilNs}ns` }] },
  };
}

export interface Workload {
  program: Record<string, unknown>;
  /** how the report names it */
  kind: "default" | "program" | "trace";
  /** traces read for it, by traceKey() */
  traces: Map<string, Trace>;
}

/**
 * the container's workload; a program that is not a valid scenario program, or a trace that cannot
 * be read, is bad input naming the pod's document and the annotation
 */
export function workloadOf(m: Manifest, annotations: Record<string, string>, container: string, epcBytes: number, untilNs: number): Workload {
  const key = `${WORKLOAD_KEY}${container}`;
  const text = annotations[key];
  const label = `${where(m)}: metadata.annotations[${JSON.stringify(key)}]`;
  if (text === undefined) return { program: defaultProgram(epcBytes, untilNs), kind: "default", traces: new Map() };
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new ManifestError(`${label}: expected a scenario program (YAML) or a trace file name: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  if (isObject(value)) {
    // checked alone now, so that a problem names the annotation rather than a line of the node's scenario
    const doc = stringify({ processes: [{ name: "w", program: value }] });
    try {
      parseScenarioText(doc, label, { baseDir: dirname(resolve(m.file)) });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      const rest = e.message.slice(label.length).replace(/^:\d+:\d+: processes\[0\]\.program/, "program");
      throw new ManifestError(`${label}: ${rest.replace(/^: /, "")}`);
    }
    return { program: value, kind: "program", traces: new Map() };
  }
  if (typeof value !== "string" || value.trim() === "") throw new ManifestError(`${label}: expected a scenario program (a mapping such as {enclave: {size: 64MiB}, access: {...}}) or a trace file name, got ${JSON.stringify(text)}`);
  const full = resolve(dirname(resolve(m.file)), value);
  let trace: Trace;
  try {
    // the program names no tenant and no timing: the whole trace, a tenant column read past, no timestamps kept
    trace = readTrace(full, { ignoreTenants: true, ignoreTimes: true });
  } catch (e) {
    if (e instanceof TraceError) throw new ManifestError(`${label}: ${e.message}`);
    throw e;
  }
  const added = ((trace.distinctPages[0] ?? 0) + 1) * PAGE;
  return {
    program: { enclave: { size: nextPow2(Math.max(added, 2 * PAGE)), add: added, measure: false, tcs: 1 }, access: { trace: { file: full } } },
    kind: "trace",
    traces: new Map([[traceKey(full, undefined, true, true), trace]]),
  };
}
