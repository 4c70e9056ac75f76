// node.html, the node's own report beside report.html: the pods and containers as `epcsim node`
// prints them, and the node's EPC over time by pod (stacked, against the node's EPC) and each pod's
// EPC against its request. Offline like report.html: inline SVG, no script, no URL.
import type { TopLevelSpec } from "vega-lite";
import { renderSpec } from "../report/svg.js";
import { BASE_CONFIG, WIDTH } from "../report/chart-style.js";
import type { NodeResult } from "./result.js";
import type { PodEpcSeries } from "./simulate.js";

const MIB = 1048576;
const MAX_POINTS = 1000;

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** at most MAX_POINTS rows: the mean of each bucket of consecutive samples, at the bucket's end */
export function bucketed(s: PodEpcSeries): { t: number; bytes: number[] }[] {
  const k = Math.max(1, Math.ceil(s.rows.length / MAX_POINTS));
  const out: { t: number; bytes: number[] }[] = [];
  for (let i = 0; i < s.rows.length; i += k) {
    const chunk = s.rows.slice(i, i + k);
    const last = chunk[chunk.length - 1];
    if (last === undefined) continue;
    out.push({ t: last.timeNs, bytes: s.pods.map((_, j) => chunk.reduce((n, r) => n + (r.bytes[j] ?? 0), 0) / chunk.length) });
  }
  return out;
}

function specs(r: NodeResult, s: PodEpcSeries): TopLevelSpec[] {
  const rows = bucketed(s);
  const seconds = (rows.at(-1)?.t ?? 0) >= 2e9;
  const unit = seconds ? 1e9 : 1e6;
  const x = { field: "t", type: "quantitative", title: `simulated time (${seconds ? "s" : "ms"})` };
  const values = rows.flatMap((row) => s.pods.map((pod, j) => ({ pod, t: row.t / unit, mib: (row.bytes[j] ?? 0) / MIB })));
  const stacked = {
    title: { text: "The node's EPC by pod", subtitle: `EPC pages allocated for each pod's processes (attributed by epcsim), stacked, against the node's ${(r.node.epcBytes / MIB).toFixed(1)} MiB` },
    width: WIDTH,
    height: 260,
    layer: [
      { data: { values }, mark: { type: "area", interpolate: "step-after" }, encoding: { x, y: { field: "mib", type: "quantitative", stack: "zero", title: "EPC (MiB)" }, color: { field: "pod", type: "nominal", sort: s.pods } } },
      { data: { values: [{ mib: r.node.epcBytes / MIB }] }, mark: { type: "rule", strokeDash: [6, 3], color: "#333" }, encoding: { y: { field: "mib", type: "quantitative" } } },
    ],
    config: BASE_CONFIG,
  };
  const requests = r.pods.filter((p) => p.scheduled).map((p) => ({ pod: p.namespace === "default" ? p.name : `${p.namespace}.${p.name}`, mib: p.epcRequest / MIB }));
  const lines = {
    title: { text: "Each pod's EPC against its request", subtitle: "used (solid, attributed by epcsim) and the nominal request sgx.intel.com/epc (dashed)" },
    width: WIDTH,
    height: 220,
    layer: [
      { data: { values }, mark: { type: "line", interpolate: "step-after" }, encoding: { x, y: { field: "mib", type: "quantitative", title: "EPC (MiB)" }, color: { field: "pod", type: "nominal", sort: s.pods } } },
      { data: { values: requests }, mark: { type: "rule", strokeDash: [6, 3] }, encoding: { y: { field: "mib", type: "quantitative" }, color: { field: "pod", type: "nominal", sort: s.pods } } },
    ],
    config: BASE_CONFIG,
  };
  return [stacked as unknown as TopLevelSpec, lines as unknown as TopLevelSpec];
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const mib = (b: number): string => `${(b / MIB).toFixed(1)} MiB`;

export async function renderNodeHtml(r: NodeResult, s: PodEpcSeries): Promise<string> {
  const svgs = await Promise.all(specs(r, s).map((spec, i) => renderSpec(spec, `node${i}`)));
  const pods = table(
    ["pod", "QoS", "status", "EPC request", "sgx.intel.com/epc", "cgroup"],
    r.pods.map((p) => [p.namespace === "default" ? p.name : `${p.namespace}/${p.name}`, p.qos, p.message === null ? p.status : `${p.status} (${p.message})`, mib(p.epcRequest), p.epcAnnotation ?? "-", p.scheduled ? p.cgroup : "-"]),
  );
  const containers = table(
    ["pod/container", "state", "restarts", "EPC request", "misc.max", "EPC used peak", "EPC used mean", "faults", "ELDU", "written back", "slowdown", "failures"],
    r.pods.flatMap((p) =>
      p.containers.map((c) => [
        `${p.name}/${c.name}`,
        c.state,
        String(c.restarts),
        mib(c.epcRequest),
        c.miscMax === null ? "-" : mib(c.miscMax),
        mib(c.epcUsed.peak),
        mib(c.epcUsed.mean),
        String(c.paging.faults),
        String(c.paging.eldu),
        String(c.paging.ewbPages),
        c.slowdown === null ? "-" : `${c.slowdown.toFixed(2)}x`,
        c.instances.filter((i) => i.failure !== null).map((i) => `${i.process}: ${i.failure}`).join("; ") || "-",
      ]),
    ),
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>epcsim node: ${escapeHtml(r.node.name)} (${escapeHtml(r.kernel)})</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f0f0f0}figure{margin:1.5em 0}</style></head>
<body>
<h1>epcsim node: ${escapeHtml(r.node.name)}</h1>
<p>${escapeHtml(r.node.source)}; profile ${escapeHtml(r.node.profile)}, ${r.node.cpus} CPUs, EPC ${escapeHtml(mib(r.node.epcBytes))}; kernel ${escapeHtml(r.kernel)}, seed ${r.seed}. The node run's own report, with every cgroup, is report.html beside this file.</p>
<h2>The node's EPC over time</h2>
${svgs.map((svg) => `<figure>\n${svg}\n</figure>`).join("\n")}
<h2>Pods</h2>
${pods}
<h2>Containers</h2>
${containers}
</body>
</html>
`;
}
