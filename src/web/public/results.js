// The results page: the output folders under --dir, newest first, and the sweeps among them.
"use strict";

function rowsOf(list) {
  return list.map((r) => ({
    cells: [{ html: `<a href="/run.html?dir=${encodeURIComponent(r.dir)}">${esc(r.dir)}</a>` }, r.kind, new Date(r.modifiedMs).toLocaleString(), { html: r.files.map((f) => `<a href="${fileUrl(`${r.dir}/${f}`)}" target="_blank" rel="noopener">${esc(f)}</a>`).join(" ") }],
  }));
}

document.addEventListener("DOMContentLoaded", async () => {
  nav("Results");
  const [results, sweeps] = await Promise.all([api("GET", "/api/results"), api("GET", "/api/sweeps")]);
  $("#results").innerHTML = results.length === 0 ? `<p class="note">No output folders yet.</p>` : table(["folder", "kind", "modified", "files"], rowsOf(results));
  $("#sweeps").innerHTML = sweeps.length === 0 ? `<p class="note">No sweeps.</p>` : table(["folder", "kind", "modified", "files"], rowsOf(sweeps));
});
