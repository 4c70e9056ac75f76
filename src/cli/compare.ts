// `epcsim compare`: runs several variants of a scenario (kernel generations, several files, or
// values of --set keys) and puts their outcomes side by side.
import type { SimSummary } from "../engine/summary.js";
import { formatNs, table } from "./format.js";
import type { Paging } from "../kernel/paging-accounts.js";

export interface VariantSpec {
  label: string;
  file: string;
  /** --set overrides for this variant, including `kernel` for --kernel */
  set: Record<string, string>;
}

/**
 * The variants: every file × every --kernel value × every combination of --set values (a --set
 * value "a,b" gives one variant per comma-separated value). Labels name only what varies.
 */
export function expandVariants(files: string[], kernels: string[], sets: Record<string, string>): VariantSpec[] {
  const axes: { key: string; values: string[] }[] = [];
  if (kernels.length > 0) axes.push({ key: "kernel", values: kernels });
  for (const [key, value] of Object.entries(sets)) axes.push({ key, values: value.split(",") });
  let combos: Record<string, string>[] = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  const out: VariantSpec[] = [];
  for (const file of files) {
    for (const set of combos) {
      const parts: string[] = [];
      if (files.length > 1) parts.push(file);
      for (const axis of axes) {
        if (axis.values.length < 2) continue;
        parts.push(axis.key === "kernel" ? (set.kernel as string) : `${axis.key}=${set[axis.key] as string}`);
      }
      out.push({ label: parts.length > 0 ? parts.join(" ") : file, file, set });
    }
  }
  return out;
}

function exitText(p: SimSummary["processes"][number]): string {
  if (p.exitCode === null) return p.startNs === null ? "not started" : "running";
  let s = String(p.exitCode);
  if (p.signal !== null) s += ` ${p.signal}`;
  if (p.error !== null) s += ` ${p.error.errno} (${p.error.op.replace(/^SGX_IOC_(ENCLAVE_|VEPC_)?/, "")})`;
  return s;
}

export interface ComparisonRow {
  what: string;
  values: string[];
  /** rows of a section are printed as a table of their own after the outcomes ("paging") */
  section?: string;
}

/** per cgroup (every variant's, root left out) and per process: the paging an operator asks about first */
function pagingRows(summaries: SimSummary[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const paths: string[] = [];
  for (const s of summaries) for (const p of Object.keys(s.cgroups)) if (p !== "/" && !paths.includes(p)) paths.push(p);
  const cell = (p: Paging | undefined, f: (p: Paging) => number): string => (p === undefined ? "-" : String(f(p)));
  const fields: [string, (p: Paging) => number][] = [
    ["faults", (p) => p.faults],
    ["ELDU", (p) => p.eldu],
    ["pages written back from", (p) => p.ewbPages],
    ["charge failures", (p) => p.chargeFailures],
  ];
  for (const path of paths) {
    for (const [what, f] of fields) rows.push({ what: what.endsWith(" from") ? `${what} ${path}` : `${what} in ${path}`, values: summaries.map((s) => cell(s.cgroups[path]?.paging, f)), section: "paging" });
  }
  const names: string[] = [];
  for (const s of summaries) for (const p of s.processes) if (!names.includes(p.name)) names.push(p.name);
  for (const name of names) {
    rows.push({
      what: `paging of ${name} (faults / ELDU / written back)`,
      values: summaries.map((s) => {
        const p = s.processes.find((q) => q.name === name)?.paging;
        return p === undefined ? "-" : `${p.faults} / ${p.eldu} / ${p.ewbPages}`;
      }),
      section: "paging",
    });
  }
  return rows;
}

/** one row per outcome, one column per variant */
export function compareRows(summaries: SimSummary[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const names: string[] = [];
  for (const s of summaries) for (const p of s.processes) if (!names.includes(p.name)) names.push(p.name);
  for (const name of names) {
    rows.push({
      what: `exit ${name}`,
      values: summaries.map((s) => {
        const p = s.processes.find((q) => q.name === name);
        return p === undefined ? "-" : exitText(p);
      }),
    });
  }
  const count = (f: (s: SimSummary) => number): string[] => summaries.map((s) => String(f(s)));
  // a selection whose process had already died or was exiting takes no one's life: not a kill
  rows.push({ what: "EPC OOM kills", values: count((s) => s.oom.filter((o) => o.kill).length) });
  if (summaries.some((s) => s.oom.some((o) => !o.kill))) rows.push({ what: "EPC OOM picks of dead processes", values: count((s) => s.oom.filter((o) => !o.kill).length) });
  rows.push({ what: "memcg OOM kills", values: count((s) => s.memcgOomKills.length) });
  rows.push({ what: "killed by a signal", values: count((s) => s.processes.filter((p) => p.signal !== null).length) });
  rows.push({ what: "ENOMEM failures", values: count((s) => s.processes.reduce((n, p) => n + p.failures.filter((f) => f.errno === "ENOMEM").length, 0)) });
  rows.push({ what: "SIGBUS", values: count((s) => s.counters.sigbus) });
  rows.push({ what: "charge failures", values: count((s) => s.counters.chargeFailures) });
  rows.push({ what: "EWB executions", values: count((s) => s.counters.EWB) });
  rows.push({ what: "pages written back", values: count((s) => s.counters.pagesReclaimed) });
  rows.push({ what: "ELDU (pages loaded back)", values: count((s) => s.counters.ELDU) });
  rows.push({ what: "faults", values: count((s) => s.counters.faults) });
  rows.push({ what: "fault retries (NOPAGE)", values: count((s) => s.counters.faultRetries) });
  rows.push({ what: "reclaim batches", values: count((s) => s.counters.reclaimBatches) });
  rows.push({ what: "simulated time", values: summaries.map((s) => formatNs(s.simulatedNs)) });
  rows.push(...pagingRows(summaries));
  return rows;
}

const SECTION_TITLES: Record<string, string> = { paging: "paging per cgroup and process (attributed by epcsim)" };

/** the outcome rows as one table, then each section's rows as a table of its own under its title */
export function formatComparison(labels: string[], rows: ComparisonRow[]): string {
  const sections = [...new Set(rows.map((r) => r.section ?? ""))];
  return sections
    .map((s) => {
      const body = table([["", ...labels], ...rows.filter((r) => (r.section ?? "") === s).map((r) => [r.what, ...r.values])]);
      return s === "" ? `${body}\n` : `\n${SECTION_TITLES[s] ?? s}\n${body}\n`;
    })
    .join("");
}
