// The run page: a job's stream (server-sent events; the browser reconnects by itself and the server
// resumes after Last-Event-ID), drawn as it comes: progress, live charts, the variants of a
// comparison; at the end the summary tables and the files (result.js). With ?dir= it shows a
// finished result instead.
"use strict";

var state = { job: null, meta: new Map(), charts: null, all: [], shown: -1, follow: true, variant: -1, summaries: [], causes: [], lastProgress: null, status: "connecting", dir: null, rows: null };

function setStatus(s) {
  state.status = s;
  const b = $("#status");
  b.textContent = s;
  b.className = `badge ${s}`;
  $("#stop").hidden = !(s === "running" || s === "queued");
  document.body.dataset.status = s;
}

function showProgress(m) {
  state.lastProgress = m;
  const meta = state.meta.get(m.variant);
  const parts = [`simulated ${formatNs(m.nowNs)}`];
  if (meta && meta.untilNs !== null) parts[0] += ` of ${formatNs(meta.untilNs)}`;
  parts.push(`${formatCount(m.events)} events`);
  const wall = m.wallMs ?? 0;
  if (wall > 0) parts.push(`${formatCount((m.events / wall) * 1000)} events/s`);
  if (meta && meta.untilNs !== null && m.nowNs > 0 && wall > 0) parts.push(`ETA ${formatWall(((meta.untilNs - m.nowNs) / m.nowNs) * wall)}`);
  else parts.push("ETA: unknown (the run ends when its processes do)");
  if (state.meta.size > 1) parts.unshift(`variant ${m.variant + 1} of ${state.total ?? "?"}`);
  $("#progress").textContent = parts.join(" · ");
}

function renderVariants() {
  const rows = [...state.meta.values()].map((m) => {
    const s = state.summaries[m.variant];
    const bad = s ? s.processes.filter((p) => p.exitCode !== 0).length : 0;
    return {
      bad: bad > 0,
      cells: [m.label, m.kernel, s ? "done" : m.variant === state.variant ? "running" : "waiting", s ? formatNs(s.simulatedNs) : "", s ? s.counters.pagesReclaimed : "", s ? s.counters.ELDU : "", s ? `${bad} of ${s.processes.length}` : ""],
    };
  });
  $("#variants").innerHTML = table(["variant", "kernel", "state", "simulated time", "pages written back", "ELDU", "ended badly", "charts"], rows);
  // a variant's charts on demand; choosing one stops following the running variant
  $("#variants").querySelectorAll("tbody tr").forEach((tr, i) => {
    const cell = document.createElement("td");
    cell.innerHTML = i === state.shown ? "shown" : `<button class="show">show</button>`;
    tr.appendChild(cell);
    cell.querySelector("button")?.addEventListener("click", () => {
      state.follow = false;
      show(i);
      renderVariants();
    });
  });
}

/** draws variant `i`'s charts (the others keep their data, drawn when chosen) */
function show(i) {
  if (state.charts !== null) state.charts.detach();
  state.shown = i;
  state.charts = state.all[i];
  state.charts.attach($("#charts")).then(scheduleDraw);
  const m = state.meta.get(i);
  const what = state.replay ? "Charts" : "Live charts";
  $("#charts-title").textContent = state.job.kind === "compare" ? `${what}: ${m.label}` : what;
}

let drawing = false;
function scheduleDraw() {
  if (drawing || state.charts === null) return;
  drawing = true;
  setTimeout(async () => {
    try {
      await state.charts.render();
    } catch (e) {
      console.error(e);
    }
    drawing = false;
    if (state.charts && state.charts.dirty) scheduleDraw();
  }, 250);
}

function onMessage(m) {
  switch (m.type) {
    case "status":
      state.dir = m.dir;
      setStatus(m.status);
      if (m.status === "done") finish();
      if (m.status === "stopped") $("#progress").textContent += " · stopped: no files were written";
      break;
    case "meta":
      state.meta.set(m.variant, m);
      state.total = m.variants;
      state.variant = m.variant;
      state.all[m.variant] = new RunCharts(m);
      if (state.follow) show(m.variant);
      if (state.job.kind === "compare") renderVariants();
      break;
    case "samples":
      state.all[m.variant].addRows(m.rows);
      scheduleDraw();
      break;
    case "events":
      state.all[m.variant].addEvents(m.events);
      scheduleDraw();
      break;
    case "progress":
      showProgress(m);
      state.all[m.variant].setNow(m.nowNs);
      scheduleDraw();
      break;
    case "variant-done":
      state.summaries[m.variant] = m.summary;
      state.causes[m.variant] = m.causes;
      showProgress({ variant: m.variant, nowNs: m.summary.simulatedNs, events: m.summary.events, wallMs: state.lastProgress?.wallMs });
      if (state.job.kind === "compare") renderVariants();
      break;
    case "done":
      state.rows = m.rows ?? null;
      break;
    case "sweep-variants":
      state.sweep = { columns: m.columns, variants: m.variants, results: [] };
      $("#progress").textContent = `0 of ${m.variants.length} variants`;
      renderSweep();
      break;
    case "sweep-result":
      state.sweep.results[m.index] = m;
      $("#progress").textContent = `${m.done} of ${m.total} variants`;
      renderSweep();
      break;
    case "error": {
      $("#error").hidden = false;
      $("#error").textContent = m.message;
      // bad input in a file under --dir: open it in the editor, where the message sits beside its line
      const at = m.input ? /^([^:]+\.(?:ya?ml|json)):\d+:\d+: /.exec(m.message) : null;
      if (at !== null) {
        const a = document.createElement("a");
        a.href = `/?edit=${encodeURIComponent(at[1])}`;
        a.textContent = `Open ${at[1]} in the editor`;
        a.className = "button";
        $("#error").after(a);
      }
      break;
    }
  }
}

/** a sweep's variants filling in: axis values, then each result as it arrives */
function renderSweep() {
  const sw = state.sweep;
  const rows = sw.variants.map((v) => {
    const r = sw.results[v.index];
    const bad = r !== undefined && (r.error !== null || r.exits.split(", ").some((e) => !e.endsWith(": 0")));
    return {
      bad,
      cells: [v.index, ...sw.columns.map((c) => v.axes[c] ?? ""), r === undefined ? "waiting" : "done", r ? formatNs(r.simulatedNs) : "", r ? r.ewb : "", r ? r.eldu : "", r ? (r.error ?? r.exits) : ""],
    };
  });
  $("#variants").innerHTML = table(["#", ...sw.columns, "state", "simulated time", "EWB", "ELDU", "exits"], rows, "sweep");
}

async function finish() {
  scheduleDraw();
  if (state.sweep) {
    const section = $("#result");
    section.hidden = false;
    section.innerHTML = `<h2>Result</h2>${fileLinks(state.dir, ["sweep.html", "sweep.csv", "sweep.parquet", "variants.json", "results.jsonl"])}`;
    document.body.dataset.finished = "yes";
    return;
  }
  const section = $("#result");
  section.hidden = false;
  await showResult(section, state.dir, { summaries: state.summaries, causes: state.causes, rows: state.rows, labels: [...state.meta.values()].map((m) => m.label) });
  document.body.dataset.finished = "yes";
}

/** follows a stream: a job's, live, or a past result's, rebuilt from its files */
function follow(url) {
  const es = new EventSource(url);
  const types = ["status", "meta", "samples", "events", "progress", "variant-done", "done", "error", "sweep-variants", "sweep-result"];
  for (const t of types) {
    es.addEventListener(t, (e) => {
      const m = JSON.parse(e.data);
      // a replayed stream opens with the final status: it ends at the last one
      if (t === "status" && state.replay && !state.replayStarted) {
        state.replayStarted = true;
        state.dir = m.dir;
        return;
      }
      onMessage(m);
      // the job's last message: nothing more will come, and a reconnect would only ask again
      if (t === "status" && ["done", "failed", "stopped"].includes(m.status)) es.close();
    });
  }
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CONNECTING) $("#status").textContent = `${state.status} (reconnecting…)`;
  });
}

async function watchJob(id) {
  state.job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`);
  $("#title").textContent = `${state.job.kind === "compare" ? "Compare" : state.job.kind === "sweep" ? "Sweep" : "Run"} #${state.job.id}: ${state.job.label}`;
  document.title = `epcsim: ${state.job.label}`;
  if (state.job.kind === "compare" || state.job.kind === "sweep") $("#variants-section").hidden = false;
  // a sweep's variants run on the sweep's own threads; the page shows their results, not their charts
  if (state.job.kind === "sweep") $("#live").hidden = true;
  follow(`/api/jobs/${encodeURIComponent(id)}/stream`);
  $("#stop").addEventListener("click", () => api("POST", `/api/jobs/${encodeURIComponent(id)}/stop`).catch((e) => console.error(e)));
}

/** a past result: runs and comparisons are replayed from their files into the same charts */
async function openResult(dir) {
  $("#title").textContent = `Result: ${dir}`;
  document.title = `epcsim: ${dir}`;
  const r = (await api("GET", "/api/results")).find((x) => x.dir === dir);
  if (r === undefined) throw new Error(`${dir}: no result folder there.`);
  if (r.kind === "run" || r.kind === "compare") {
    state.job = { kind: r.kind };
    state.replay = true;
    if (r.kind === "compare") $("#variants-section").hidden = false;
    $("#charts-title").textContent = "Charts";
    follow(`/api/results/stream?dir=${encodeURIComponent(dir)}`);
    return;
  }
  $("#live").hidden = true;
  setStatus("done");
  const section = $("#result");
  section.hidden = false;
  await showResult(section, dir, null);
  document.body.dataset.finished = "yes";
}

document.addEventListener("DOMContentLoaded", () => {
  nav("");
  const q = new URLSearchParams(location.search);
  if (q.has("job")) {
    watchJob(q.get("job")).catch((e) => {
      $("#error").hidden = false;
      $("#error").textContent = e.message;
    });
  } else if (q.has("dir")) {
    openResult(q.get("dir")).catch((e) => {
      $("#error").hidden = false;
      $("#error").textContent = e.message;
    });
  }
});
