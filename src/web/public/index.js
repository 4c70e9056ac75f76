// The scenarios page: the files under --dir, the editor (check, save into uploads/, run) and the jobs.
"use strict";

const MAX_BYTES = 1024 * 1024;
let problems = [];

function renderGutter() {
  const text = $("#text").value;
  const n = text.split("\n").length;
  const bad = new Map(problems.filter((p) => p.line !== null).map((p) => [p.line, p]));
  const lines = [];
  for (let i = 1; i <= n; i++) {
    const p = bad.get(i);
    lines.push(p === undefined ? String(i) : `<span class="${p.warning ? "warn" : "err"}" title="${esc(p.message)}">${i} ●</span>`);
  }
  $("#gutter").innerHTML = lines.join("\n");
  $("#gutter").scrollTop = $("#text").scrollTop;
}

/** each problem next to the line it names: the line, its text, a caret under the column, the CLI's message */
function showProblems(v) {
  problems = [...v.errors.map((p) => ({ ...p, warning: false })), ...v.warnings.map((p) => ({ ...p, warning: true }))];
  const lines = $("#text").value.split("\n");
  const box = $("#problems");
  if (problems.length === 0) {
    box.innerHTML = `<p class="ok">✓ valid: the scenario loads as <code>epcsim run</code> would load it.</p>`;
  } else {
    box.innerHTML = problems
      .map((p) => {
        const cls = p.warning ? "warn" : "err";
        if (p.line === null) return `<div class="problem ${cls}"><code class="msg">${esc(p.message)}</code></div>`;
        const src = lines[p.line - 1] ?? "";
        const caret = " ".repeat(Math.max(0, (p.col ?? 1) - 1)) + "^";
        return `<div class="problem ${cls}" data-line="${p.line}"><a href="#" class="goto">line ${p.line}</a><pre>${esc(src)}\n${caret}</pre><code class="msg">${esc(p.message)}</code></div>`;
      })
      .join("");
  }
  for (const a of box.querySelectorAll("a.goto")) a.addEventListener("click", (e) => { e.preventDefault(); gotoLine(Number(a.parentElement.dataset.line)); });
  renderGutter();
}

function gotoLine(line) {
  const ta = $("#text");
  const lines = ta.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  ta.focus();
  ta.setSelectionRange(start, start + (lines[line - 1] ?? "").length);
  ta.scrollTop = Math.max(0, (line - 5) * 17);
  renderGutter();
}

function fail(message) {
  $("#problems").innerHTML = `<div class="problem err"><code class="msg">${esc(message)}</code></div>`;
}

async function check() {
  const name = $("#name").value.trim();
  try {
    showProblems(await api("POST", `/api/validate?name=${encodeURIComponent(name)}`, $("#text").value));
  } catch (e) {
    fail(e.message);
  }
}

async function save() {
  const name = $("#name").value.trim();
  const r = await api("PUT", `/api/uploads/${encodeURIComponent(name)}`, $("#text").value);
  showProblems(r.validation);
  loadScenarios();
  return r;
}

async function startRun(file) {
  const set = $("#sets").value.split("\n").filter((l) => l.trim() !== "");
  try {
    const job = await api("POST", "/api/runs", { file, seed: $("#seed").value.trim(), set });
    location.href = `/run.html?job=${encodeURIComponent(job.id)}`;
  } catch (e) {
    $("#run-error").hidden = false;
    $("#run-error").textContent = e.message;
  }
}

/** opens a file in the editor and checks it (a failed run's page links here with ?edit=FILE) */
async function edit(file) {
  const r = await fetch(`/api/scenarios/${file.split("/").map(encodeURIComponent).join("/")}`);
  if (!r.ok) throw new Error(`${file}: not a scenario under --dir.`);
  $("#text").value = await r.text();
  $("#name").value = file.split("/").pop();
  problems = [];
  $("#problems").innerHTML = "";
  renderGutter();
}

async function loadScenarios() {
  const r = await api("GET", "/api/scenarios");
  $("#dir").textContent = r.dir;
  const ul = $("#scenarios");
  if (r.files.length === 0) {
    ul.innerHTML = `<li class="note">No .yaml files under ${esc(r.dir)}.</li>`;
    return;
  }
  ul.innerHTML = r.files.map((f) => `<li><button class="run" data-file="${esc(f)}">Run</button> <button class="edit" data-file="${esc(f)}">Edit</button> <code>${esc(f)}</code></li>`).join("");
  for (const b of ul.querySelectorAll("button.run")) b.addEventListener("click", () => startRun(b.dataset.file).catch((e) => fail(e.message)));
  for (const b of ul.querySelectorAll("button.edit")) b.addEventListener("click", () => edit(b.dataset.file).catch((e) => fail(e.message)));
}

async function loadJobs() {
  const jobs = await api("GET", "/api/jobs");
  if (jobs.length === 0) return;
  $("#jobs").innerHTML = table(
    ["job", "what", "status", "results"],
    jobs.reverse().map((j) => ({
      bad: j.status === "failed",
      cells: [{ html: `<a href="/run.html?job=${esc(j.id)}">#${esc(j.id)}</a>` }, j.label, j.status + (j.position !== null ? ` (${j.position} ahead)` : ""), j.status === "done" ? { html: `<a href="/run.html?dir=${encodeURIComponent(j.dir)}">${esc(j.dir)}</a>` } : ""],
    })),
  );
}

document.addEventListener("DOMContentLoaded", () => {
  nav("Scenarios");
  const ta = $("#text");
  ta.addEventListener("input", renderGutter);
  ta.addEventListener("scroll", () => ($("#gutter").scrollTop = ta.scrollTop));
  $("#validate").addEventListener("click", check);
  $("#save").addEventListener("click", () => save().catch((e) => fail(e.message)));
  $("#run").addEventListener("click", async () => {
    try {
      const r = await save();
      if (r.validation.ok) await startRun(r.path);
    } catch (e) {
      fail(e.message);
    }
  });
  $("#upload").addEventListener("change", async () => {
    const f = $("#upload").files[0];
    if (f === undefined) return;
    if (f.size > MAX_BYTES) {
      fail(`${f.name}: the file is ${f.size} bytes, larger than the limit of ${MAX_BYTES} bytes (1 MiB).`);
      return;
    }
    ta.value = await f.text();
    $("#name").value = f.name;
    // the file's own bytes are checked, so that one that is not UTF-8 gets the CLI's message
    try {
      showProblems(await api("POST", `/api/validate?name=${encodeURIComponent(f.name)}`, f, "application/octet-stream"));
    } catch (e) {
      fail(e.message);
    }
  });
  renderGutter();
  loadScenarios().catch((e) => fail(e.message));
  const q = new URLSearchParams(location.search);
  if (q.has("edit")) edit(q.get("edit")).then(check, (e) => fail(e.message));
  loadJobs().catch(() => undefined);
  // the jobs list follows the queue while the page is open
  setInterval(() => {
    if (document.visibilityState === "visible") loadJobs().catch(() => undefined);
  }, 2000);
});
