// The compare form: files, kernels, --set values and a seed, sent as `epcsim compare` takes them;
// and the sweep form: a grid file, run as `epcsim sweep` runs it.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  nav("Compare");
  const r = await api("GET", "/api/scenarios");
  $("#files").innerHTML = r.files.map((f) => `<label><input type="checkbox" name="file" value="${esc(f)}"> <code>${esc(f)}</code></label>`).join("") || `<p class="note">No .yaml files under ${esc(r.dir)}.</p>`;
  $("#form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
    const body = { files: checked("file"), kernels: checked("kernel"), set: $("#sets").value.split("\n").filter((l) => l.trim() !== ""), seed: $("#seed").value.trim() };
    try {
      const job = await api("POST", "/api/compare", body);
      location.href = `/run.html?job=${encodeURIComponent(job.id)}`;
    } catch (err) {
      $("#error").hidden = false;
      $("#error").textContent = err.message;
    }
  });
  $("#grid").innerHTML = r.files.map((f) => `<option value="${esc(f)}"${/(^|\/)sweeps?\/|grid/.test(f) ? " selected" : ""}>${esc(f)}</option>`).join("");
  $("#sweep-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const job = await api("POST", "/api/sweeps", { file: $("#grid").value });
      location.href = `/run.html?job=${encodeURIComponent(job.id)}`;
    } catch (err) {
      $("#sweep-error").hidden = false;
      $("#sweep-error").textContent = err.message;
    }
  });
});
