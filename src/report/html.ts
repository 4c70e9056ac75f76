// report.html: one self-contained, offline page for one run or several variants of one (`epcsim
// compare`): an overview, four charts (inline SVG rendered at build time by vega-lite and vega, see
// charts.ts), the summary tables and the scenario text. No scripts, no fonts, no images, no links to
// anything outside the page; a Content-Security-Policy forbids the browser to fetch anything at all.
// Deterministic: the same recordings always give the same bytes (no dates, no random ids).
import type { SimSummary } from "../engine/summary.js";
import { renderCharts, formatNs, processOutcome } from "./charts.js";
import type { RunRecording } from "./compact.js";
import { explainCause } from "../engine/cause.js";
import type { Paging } from "../kernel/paging-accounts.js";

export interface ReportInput {
  title: string;
  variants: RunRecording[];
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const MIB = 1024 * 1024;
/** at most this many rows in each per-variant list of kills and file operations */
const MAX_EVENT_ROWS = 200;

const time = (ns: number | null): string => (ns === null ? "—" : escapeHtml(formatNs(ns)));
const num = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
function bytes(b: number | null, none = "max"): string {
  if (b === null) return none;
  const pages = b / 4096;
  return `<span title="${b} bytes${Number.isInteger(pages) ? `, ${pages} pages` : ""}">${(b / MIB).toFixed(2)}&nbsp;MiB</span>`;
}

/** the counters that matter most, first, with their names in the report */
const COUNTER_LABELS: [string, string][] = [
  ["EWB", "EWB executions (retries included)"],
  ["ELDU", "ELDU (pages loaded back)"],
  ["faults", "page faults"],
  ["faultRetries", "fault retries (VM_FAULT_NOPAGE)"],
  ["sigbus", "SIGBUS"],
  ["chargeFailures", "sgx_epc charge failures"],
  ["oomKills", "EPC OOM kills (v5)"],
  ["memcgOomKills", "memcg OOM kills"],
  ["memcgChargeFailures", "memcg charge failures (backing store)"],
  ["enomem", "ENOMEM returned"],
  ["ebusy", "EBUSY returned"],
  ["reclaimBatches", "reclaim batches"],
  ["ksgxdBatches", "… by ksgxd"],
  ["directReclaimBatches", "… direct"],
  ["workBatches", "… by work items"],
  ["cgroupWorkRuns", "EPC cgroup reclaim work runs"],
  ["pagesReclaimed", "pages written back"],
  ["pagesSkippedYoung", "pages skipped (young)"],
  ["secsEvicted", "SECS evicted"],
  ["secsReloaded", "SECS reloaded"],
  ["ksgxdWakeups", "ksgxd wake-ups"],
  ["ipi", "IPI rounds"],
  ["ipiCpus", "CPUs interrupted"],
  ["vepcFaults", "vEPC faults"],
];

const EPC_LABELS: [keyof SimSummary["epc"], string][] = [
  ["totalPages", "EPC pages"],
  ["freePages", "free counter (sgx_nr_free_pages)"],
  ["freeListPages", "pages on free lists"],
  ["reclaimablePages", "pages on the LRU"],
  ["enclavePages", "enclave pages"],
  ["secsPages", "SECS pages"],
  ["vaPages", "VA pages"],
  ["vepcPages", "vEPC pages"],
  ["poisonedPages", "poisoned pages"],
  ["leakedPages", "leaked pages"],
  ["swappedOutPages", "swapped-out pages"],
  ["backingPages", "backing-store pages"],
];

const counter = (r: RunRecording, k: string): number => (r.summary.counters as unknown as Record<string, number>)[k] ?? 0;

/** a table with one column per variant; rows whose values differ between variants are marked */
function variantColumns(runs: readonly RunRecording[], rows: [string, (r: RunRecording) => string][]): string {
  const head = `<tr><th></th>${runs.map((r) => `<th>${escapeHtml(r.label)}</th>`).join("")}</tr>`;
  const body = rows
    .map(([label, cell]) => {
      const cells = runs.map(cell);
      const differs = runs.length > 1 && new Set(cells).size > 1;
      return `<tr${differs ? ' class="differs"' : ""}><th>${escapeHtml(label)}</th>${cells.map((c) => `<td class="n">${c}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table class="cols">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** a section per variant when there are several */
function perVariant(runs: readonly RunRecording[], body: (r: RunRecording) => string): string {
  if (runs.length === 1) return body(runs[0] as RunRecording);
  return runs.map((r) => `<h3 class="variant">${escapeHtml(r.label)}</h3>\n${body(r)}`).join("\n");
}

function overview(runs: readonly RunRecording[]): string {
  return variantColumns(runs, [
    ["scenario", (r) => escapeHtml(r.summary.scenario)],
    ["kernel", (r) => escapeHtml(r.summary.kernel)],
    ["seed", (r) => String(r.summary.seed)],
    ["cost profile", (r) => escapeHtml(r.summary.profile)],
    ["simulated time", (r) => time(r.summary.simulatedNs)],
    ["events simulated", (r) => num(r.summary.events)],
    ["processes (ended badly)", (r) => `${r.summary.processes.length} (${r.summary.processes.filter((p) => p.exitCode !== 0).length})`],
    ["driver WARN()s", (r) => num(r.summary.warnings.count)],
    ["invariant checks (violations)", (r) => `${num(r.summary.invariants.checked)} (${r.summary.invariants.violations.length})`],
    ["sampling interval", (r) => time(r.recorder.sampleIntervalNs)],
    [
      "events left out of the recording",
      (r) => {
        const d = Object.entries(r.recorder.dropped);
        return d.length === 0 ? "none" : d.map(([k, n]) => `${escapeHtml(k)}: ${num(n)}`).join(", ");
      },
    ],
  ]);
}

function processTable(run: RunRecording): string {
  const rows = run.summary.processes.map((p) => {
    const unexpected = p.failures.filter((f) => !f.expected).length;
    const bad = p.exitCode !== 0 || p.signal !== null || p.error !== null;
    return `<tr${bad ? ' class="bad"' : ""}><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.cgroup)}</td><td class="n">${time(p.startNs)}</td><td class="n">${time(p.endNs)}</td><td class="n">${p.exitCode ?? "—"}</td><td>${escapeHtml(p.signal ?? "—")}</td><td>${p.error === null ? "—" : `${escapeHtml(p.error.op)}: <b>${escapeHtml(p.error.errno)}</b>`}</td><td class="n">${p.failures.length}${unexpected !== p.failures.length ? ` (${unexpected} unexpected)` : ""}</td><td>${escapeHtml(processOutcome(run, p.name))}</td></tr>`;
  });
  return `<table>\n<thead><tr><th>process</th><th>cgroup</th><th>start</th><th>end</th><th>exit code</th><th>signal</th><th>ended by (op: errno)</th><th>failed calls</th><th>how it ended</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

function cgroupTable(run: RunRecording): string {
  const entries = Object.entries(run.summary.cgroups);
  if (entries.length === 0) return "<p>No cgroups.</p>";
  const rows = entries.map(
    ([path, c]) =>
      `<tr><td>${escapeHtml(path)}</td><td class="n">${bytes(c.current)}</td><td class="n">${bytes(c.peak)}</td><td class="n">${path === "/" ? "—" : bytes(c.max)}</td><td class="n">${num(c.events)}</td><td class="n">${bytes(c.memory.current)}</td><td class="n">${path === "/" ? "—" : bytes(c.memory.max)}</td><td class="n">${c.memory.events.max} / ${c.memory.events.oom} / ${c.memory.events.oomKill}</td></tr>`,
  );
  return `<table>\n<thead><tr><th>cgroup</th><th>misc.current</th><th>misc.peak</th><th>misc.max</th><th>misc.events max</th><th>memory.current</th><th>memory.max</th><th>memory.events max / oom / oom_kill</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

const PAGING_COLUMNS: [keyof Paging, string][] = [
  ["faults", "faults"],
  ["nopageRetries", "NOPAGE retries"],
  ["eldu", "ELDU"],
  ["ewbPages", "pages written back"],
  ["eaug", "EAUG"],
  ["sigbus", "SIGBUS"],
  ["chargeFailures", "charge failures"],
  ["reclaimedFrom", "taken off its LRU"],
];

/** paging per cgroup and per process, attributed by the simulator (which the note says) */
function pagingTable(run: RunRecording): string {
  const head = `<tr><th></th>${PAGING_COLUMNS.map(([, l]) => `<th>${escapeHtml(l)}</th>`).join("")}<th>EPC at the end</th><th>EPC at the peak</th></tr>`;
  const row = (name: string, p: Paging, a: { epc: number; epcPeak: number }): string =>
    `<tr><td>${escapeHtml(name)}</td>${PAGING_COLUMNS.map(([k]) => `<td class="n">${num(p[k])}</td>`).join("")}<td class="n">${bytes(a.epc)}</td><td class="n">${bytes(a.epcPeak)}</td></tr>`;
  const cgroups = Object.entries(run.summary.cgroups).map(([path, c]) => row(path, c.paging, c.attributed));
  const procs = run.summary.processes.map((p) => row(p.name, p.paging, p.attributed));
  const note =
    run.summary.kernel === "mainline"
      ? "Mainline has no sgx_epc resource: the EPC and paging of each cgroup are attributed by epcsim (to the cgroup of the task each page was allocated for), not read from a kernel file."
      : "No kernel file counts paging per cgroup: epcsim attributes each page to the cgroup it is charged to; its EPC figures equal misc.current and misc.peak.";
  const table = (first: string, rows: string[]): string => `<table>\n<thead>${head.replace("<th></th>", `<th>${first}</th>`)}</thead>\n<tbody>\n${rows.join("\n")}\n</tbody></table>`;
  return `<p class="note">${escapeHtml(note)} A cgroup counts its descendants.</p>\n${table("cgroup", cgroups)}\n${table("process", procs)}`;
}

function eventsTable(run: RunRecording): string {
  const rows: [number, string, string][] = [];
  for (const k of run.summary.oom)
    rows.push(
      k.kill
        ? [k.at, "EPC OOM victim", `${escapeHtml(k.victim)} in ${escapeHtml(k.cgroup)}; trigger: ${escapeHtml(k.trigger)}`]
        : [k.at, "EPC OOM pick, no kill", `${escapeHtml(k.victim)}'s enclave in ${escapeHtml(k.cgroup)}, whose process had ${k.victimState === "exited" ? "already exited" : "already begun to exit"}; trigger: ${escapeHtml(k.trigger)}`],
    );
  for (const k of run.summary.memcgOomKills) rows.push([k.atNs, "memcg OOM kill", `${escapeHtml(k.victim)} in ${escapeHtml(k.cgroup)}; trigger: ${escapeHtml(k.trigger)}`]);
  // a death by a refused allocation, at the refusal
  for (const p of run.summary.processes) {
    const c = p.cause;
    if (c !== null && (c.kind === "charge-refused" || c.kind === "no-free-epc")) rows.push([c.atNs, c.kind === "charge-refused" ? "charge refused" : "no free EPC", `${escapeHtml(p.name)}: ${escapeHtml(explainCause(c))}`]);
  }
  for (const f of run.summary.fileOps) {
    const what = f.op === "write" && f.value !== undefined ? `${escapeHtml(f.path)} ← <code>${escapeHtml(JSON.stringify(f.value))}</code>` : escapeHtml(f.path);
    const text = f.text !== undefined ? `: <code>${escapeHtml(f.text.trim().replace(/\n/g, " · "))}</code>` : "";
    rows.push([f.atNs, `${f.op}`, `${what} → ${f.result === "ok" ? "ok" : `<b>${escapeHtml(f.result)}</b>`}${text}`]);
  }
  for (const v of run.summary.invariants.violations) rows.push([v.atNs, "invariant violated", escapeHtml(v.message)]);
  if (rows.length === 0) return "<p>No kills, refused charges, scripted file operations or invariant violations.</p>";
  rows.sort((a, b) => a[0] - b[0]); // stable: same-time rows keep the order above
  const shown = rows.slice(0, MAX_EVENT_ROWS);
  const more = rows.length > shown.length ? `<p class="note">${rows.length - shown.length} more not shown (events.jsonl has them all).</p>` : "";
  return `<table>\n<thead><tr><th>time</th><th>what</th><th>details</th></tr></thead>\n<tbody>\n${shown
    .map(([t, what, details]) => `<tr><td class="n">${time(t)}</td><td>${escapeHtml(what)}</td><td>${details}</td></tr>`)
    .join("\n")}\n</tbody></table>${more}`;
}

function warningsList(run: RunRecording): string {
  const w = run.summary.warnings;
  if (w.count === 0) return "<p>None.</p>";
  return `<ul>${w.messages.map((m) => `<li><code>${escapeHtml(m)}</code></li>`).join("")}</ul>${w.count > w.messages.length ? `<p class="note">${w.count - w.messages.length} more.</p>` : ""}`;
}

function scenarioSection(runs: readonly RunRecording[]): string {
  const texts = new Set(runs.map((r) => r.scenarioText));
  if (texts.size === 1) return `<pre class="scenario">${escapeHtml(runs[0]?.scenarioText ?? "")}</pre>`;
  return runs.map((r) => `<h3 class="variant">${escapeHtml(r.label)}</h3>\n<pre class="scenario">${escapeHtml(r.scenarioText)}</pre>`).join("\n");
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 12px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d8dbe0; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.sub, p.note, figcaption { color: #555; }
figure.chart { background: #fff; border: 1px solid #d8dbe0; border-radius: 6px; margin: 16px 0; padding: 12px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; background: #fff; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #d8dbe0; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #eef0f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.bad td { background: #fff3ec; }
tr.differs th, tr.differs td { background: #fffbe0; }
pre.scenario { background: #fff; border: 1px solid #d8dbe0; border-radius: 6px; padding: 10px 12px; overflow-x: auto; font-size: 12.5px; }
code { font-size: 12.5px; }
nav a { margin-right: 12px; }
div.row { display: flex; flex-wrap: wrap; gap: 0 28px; align-items: flex-start; }
div.row h3 { margin-top: 8px; }
`;

export async function renderReportHtml(input: ReportInput): Promise<string> {
  const runs = input.variants;
  const charts = await renderCharts(runs);
  const figures = charts
    .map((c) => `<figure class="chart" data-chart="${c.name}" id="chart-${c.name}">\n${c.svg}\n<figcaption>${escapeHtml(c.caption)}</figcaption>\n</figure>`)
    .join("\n");
  const many = runs.length > 1;
  const sub = many ? `${runs.length} variants: ${runs.map((r) => r.label).join(", ")}` : `${runs[0]?.label ?? ""}`;
  const sections = [
    `<h1>${escapeHtml(input.title)}</h1>\n<p class="sub">${escapeHtml(sub)}</p>`,
    `<nav><a href="#charts">Charts</a><a href="#processes">Processes</a><a href="#counters">Counters</a><a href="#cgroups">Cgroups</a><a href="#paging">Paging per cgroup</a><a href="#events">Kills, causes and file operations</a><a href="#scenario">Scenario</a></nav>`,
    `<h2>Overview</h2>\n${overview(runs)}`,
    `<h2 id="charts">Charts</h2>\n${figures}`,
    `<h2 id="processes">Processes</h2>\n${perVariant(runs, processTable)}`,
    `<h2 id="counters">Counters</h2>\n<div class="row">\n<div><h3>Paging, reclaim and failures</h3>\n${variantColumns(
      runs,
      COUNTER_LABELS.filter(([k]) => runs.some((r) => k in r.summary.counters)).map(([k, label]): [string, (r: RunRecording) => string] => [label, (r) => num(counter(r, k))]),
    )}</div>\n<div><h3>ENCLS leaves and other counters</h3>\n${variantColumns(
      runs,
      [...new Set(runs.flatMap((r) => Object.keys(r.summary.counters)))]
        .filter((k) => !COUNTER_LABELS.some(([c]) => c === k))
        .map((k): [string, (r: RunRecording) => string] => [k, (r) => num(counter(r, k))]),
    )}</div>\n<div><h3>EPC at the end</h3>\n${variantColumns(
      runs,
      EPC_LABELS.map(([k, label]): [string, (r: RunRecording) => string] => [label, (r) => num(r.summary.epc[k] as number)]),
    )}</div>\n</div>`,
    `<h2 id="cgroups">Cgroups at the end</h2>\n<p class="note">sgx_epc of the misc controller and the memory controller; sizes in MiB (hover for bytes and pages).</p>\n${perVariant(runs, cgroupTable)}`,
    `<h2 id="paging">Paging per cgroup and process</h2>\n${perVariant(runs, pagingTable)}`,
    `<h2 id="events">Kills, their causes, file operations and invariants</h2>\n${perVariant(runs, eventsTable)}`,
    `<h3>Driver warnings</h3>\n${perVariant(runs, warningsList)}`,
    `<h2 id="scenario">Scenario</h2>\n${scenarioSection(runs)}`,
  ];
  return offlinePage(input.title, CSS, sections.join("\n\n"));
}

/** the page around `body`: no scripts, and a Content-Security-Policy that lets the browser fetch nothing */
export function offlinePage(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
