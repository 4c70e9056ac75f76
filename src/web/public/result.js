// A finished result, on the run page: the summary tables, the output files (the five --out files
// and report.html, or a comparison's), and trace.json for Perfetto: a download, or, when the user
// asks, the Perfetto UI's postMessage hand-off (open ui.perfetto.dev, PING until it answers PONG,
// then post the trace's bytes). Nothing is sent anywhere unless the user presses that button.
"use strict";

const PERFETTO = "https://ui.perfetto.dev";

const COUNTERS = [
  ["EWB", "EWB executions"],
  ["ELDU", "ELDU (pages loaded back)"],
  ["faults", "page faults"],
  ["faultRetries", "fault retries (NOPAGE)"],
  ["sigbus", "SIGBUS"],
  ["chargeFailures", "sgx_epc charge failures"],
  ["oomKills", "EPC OOM kills (v5)"],
  ["memcgOomKills", "memcg OOM kills"],
  ["reclaimBatches", "reclaim batches"],
  ["pagesReclaimed", "pages written back"],
  ["ksgxdWakeups", "ksgxd wake-ups"],
  ["ipi", "IPI rounds"],
];

function summaryTables(s, causes) {
  const procs = table(
    ["process", "cgroup", "start", "end", "exit", "signal", "ended by", "how it ended"],
    s.processes.map((p) => ({
      bad: p.exitCode !== 0,
      cells: [p.name, p.cgroup, formatNs(p.startNs), formatNs(p.endNs), p.exitCode ?? "—", p.signal ?? "—", p.error === null ? "—" : `${p.error.op}: ${p.error.errno}`, (causes && causes[p.name]) || causeLabel(p.cause) || (p.exitCode === 0 ? "exited normally" : "")],
    })),
  );
  const cgs = table(
    ["cgroup", "misc.current", "misc.peak", "misc.max", "memory.current", "memory.max", "pages written back", "ELDU"],
    Object.entries(s.cgroups).map(([path, c]) => ({ cells: [path, mib(c.current), mib(c.peak), path === "/" ? "—" : mib(c.max), mib(c.memory.current), path === "/" ? "—" : mib(c.memory.max), c.paging.ewbPages, c.paging.eldu] })),
  );
  const counters = table(["counter", "value"], COUNTERS.filter(([k]) => k in s.counters).map(([k, label]) => ({ cells: [label, s.counters[k]] })));
  return `<p class="sub">${esc(s.scenario)} — kernel ${esc(s.kernel)}, seed ${s.seed}, profile ${esc(s.profile)}; simulated ${esc(formatNs(s.simulatedNs))} in ${s.events} events</p>
<h3>Processes</h3>${procs}<h3>Cgroups at the end</h3>${cgs}<h3>Counters</h3>${counters}`;
}

function comparisonTable(labels, rows) {
  return table(["", ...labels], rows.map((r) => ({ cells: [r.what, ...r.values] })), "comparison");
}

function fileLinks(dir, files) {
  return `<ul class="files">${files.map((f) => `<li><a href="${fileUrl(`${dir}/${f}`)}" target="_blank" rel="noopener">${esc(f)}</a></li>`).join("")}</ul>`;
}

function perfettoBlock(dir) {
  const url = fileUrl(`${dir}/trace.json`);
  return `<div class="perfetto" data-trace="${esc(url)}"><a class="button" href="${url}" download="trace.json">Download trace.json</a> <button class="open-perfetto">Open in the Perfetto UI</button> <span class="note perfetto-status">Opens ${PERFETTO} in a new window and hands it the trace (the trace leaves this machine only for your browser's window).</span></div>`;
}

/** the Perfetto UI's hand-off: PING until PONG, then the buffer */
async function openInPerfetto(block, title) {
  const status = block.querySelector(".perfetto-status");
  const win = window.open(PERFETTO);
  if (win === null) {
    status.textContent = "The browser blocked the new window; download trace.json and open it in the Perfetto UI instead.";
    return;
  }
  const buffer = await fetch(block.dataset.trace).then((r) => r.arrayBuffer());
  let tries = 0;
  const onMessage = (e) => {
    if (e.source !== win || e.data !== "PONG") return;
    clearInterval(timer);
    window.removeEventListener("message", onMessage);
    win.postMessage({ perfetto: { buffer, title, fileName: "trace.json" } }, PERFETTO);
    status.textContent = "Handed to the Perfetto UI.";
  };
  window.addEventListener("message", onMessage);
  const timer = setInterval(() => {
    if (++tries > 40 || win.closed) {
      clearInterval(timer);
      window.removeEventListener("message", onMessage);
      status.textContent = "The Perfetto UI did not answer (offline?); download trace.json and open it there instead.";
      return;
    }
    win.postMessage("PING", PERFETTO);
  }, 250);
}

function wirePerfetto(section, title) {
  for (const block of section.querySelectorAll(".perfetto")) block.querySelector(".open-perfetto").addEventListener("click", () => openInPerfetto(block, title));
}

/** the result folder `dir`; `live` has what the stream already brought (summaries, causes, rows, labels), or null */
async function showResult(section, dir, live) {
  const all = await api("GET", "/api/results");
  const r = all.find((x) => x.dir === dir);
  if (r === undefined) throw new Error(`${dir}: no result folder there.`);
  let html = `<h2>Results</h2><p class="sub">In <code>${esc(dir)}</code>:</p>${fileLinks(dir, r.files)}`;
  if (r.kind === "run") {
    const s = live?.summaries?.[0] ?? (await api("GET", fileUrl(`${dir}/summary.json`)));
    html += perfettoBlock(dir);
    html += `<h2>Summary</h2>${summaryTables(s, live?.causes?.[0] ?? null)}`;
  } else if (r.kind === "compare") {
    const c = live?.rows ? { rows: live.rows, variants: live.labels.map((label) => ({ label })) } : await api("GET", fileUrl(`${dir}/comparison.json`));
    html += `<h2>Comparison</h2>${comparisonTable(c.variants.map((v) => v.label), c.rows)}<h2>Variants</h2>`;
    for (const part of r.parts) {
      html += `<h3>${esc(part.slice(dir.length + 1))}</h3>${fileLinks(part, ["report.html", "summary.json", "timeseries.csv", "events.jsonl", "trace.json"])}${perfettoBlock(part)}`;
    }
  } else if (r.kind === "sweep") {
    html += `<p class="note">A sweep (issue 14): open sweep.html for its grid.</p>`;
  }
  section.innerHTML = html;
  wirePerfetto(section, `epcsim: ${dir}`);
}
