// Shared by the dashboard's pages: fetch helpers, formatting, the navigation bar. No framework and
// nothing loaded from elsewhere: the server sends these files, vega and vega-lite.
"use strict";

const MIB = 1024 * 1024;

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function $(sel, root = document) {
  return root.querySelector(sel);
}

async function api(method, url, body, type) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body);
    init.headers["content-type"] = type ?? (typeof body === "string" ? "text/plain; charset=utf-8" : "application/json");
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let data = null;
  try {
    data = text === "" ? null : JSON.parse(text);
  } catch {
    data = text;
  }
  if (!r.ok) throw new Error(data && data.error ? data.error : `${r.status} ${r.statusText}`);
  return data;
}

/** simulated nanoseconds as the CLI writes them */
function formatNs(ns) {
  if (ns === null || ns === undefined) return "—";
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${ns} ns`;
}

function formatCount(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

function formatWall(ms) {
  if (!Number.isFinite(ms)) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function mib(bytes) {
  return bytes === null || bytes === undefined ? "max" : `${(bytes / MIB).toFixed(2)} MiB`;
}

/** a file under --dir, by its relative path */
function fileUrl(rel) {
  return `/files/${rel.split("/").map(encodeURIComponent).join("/")}`;
}

function table(head, rows, cls = "") {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr${r.bad ? ' class="bad"' : ""}>${r.cells.map((c) => `<td${typeof c === "number" ? ' class="n"' : ""}>${typeof c === "object" && c !== null ? c.html : esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function nav(active) {
  const links = [
    ["/", "Scenarios"],
    ["/compare.html", "Compare"],
    ["/results.html", "Results"],
  ];
  const el = document.createElement("nav");
  el.className = "top";
  el.innerHTML = `<span class="brand">epcsim</span>${links.map(([href, label]) => `<a href="${href}"${label === active ? ' class="active"' : ""}>${label}</a>`).join("")}`;
  document.body.prepend(el);
}
