// `epcsim node NODE PODS`: what happens on this node with these pods. The manifests are lowered
// into a scenario by src/k8s/ and simulated with the kubelet's restarts; this prints the outcome per
// pod and container (or --json it), and --out writes the node run's files plus node.json,
// pod-epc.csv and node.html (the node's EPC over time by pod).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NodeResult, PodResult } from "../k8s/result.js";
import type { PodEpcSeries } from "../k8s/simulate.js";
import { formatNs, table } from "./format.js";
import { renderNodeHtml } from "../k8s/node-report.js";

function mib(bytes: number): string {
  if (bytes === 0) return "0";
  if (bytes % 1048576 === 0) return `${bytes / 1048576} MiB`;
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

function slowdown(x: number | null): string {
  return x === null ? "-" : `${x.toFixed(2)}x`;
}

/** "web", or "shop/web" outside the default namespace */
function podName(p: PodResult): string {
  return p.namespace === "default" ? p.name : `${p.namespace}/${p.name}`;
}

function podLine(p: PodResult): string[] {
  return [`  ${podName(p)}`, p.qos, p.status, mib(p.epcRequest), p.epcAnnotation ?? "-", p.scheduled ? p.cgroup : "-"];
}

export function formatNodeResult(r: NodeResult): string {
  const lines: string[] = [];
  lines.push(`epcsim node: ${r.node.name} (${r.node.source === "a profile" ? "" : `${r.node.source}; `}profile ${r.node.profile}, ${r.node.cpus} CPUs, EPC ${mib(r.node.epcBytes)}) — kernel ${r.kernel}, seed ${r.seed}, until ${formatNs(r.untilNs)}`);
  const alloc = ["sgx.intel.com/epc", "kubernetes.azure.com/sgx_epc_mem_in_MiB", "sgx.intel.com/enclave", "cpu", "memory"].filter((k) => k in r.node.allocatable).map((k) => `${k} ${r.node.allocatable[k] ?? ""}${k === "cpu" && r.node.allocatable[k] !== "unchecked" ? "m" : ""}`);
  lines.push(`allocatable: ${alloc.join(", ")}`);
  lines.push("");
  lines.push("pods (in the scheduler's order: priority, then the manifests' order)");
  lines.push(table([["  pod", "QoS", "status", "EPC request", "sgx.intel.com/epc", "cgroup"], ...r.pods.map(podLine)]));
  for (const p of r.pods) if (!p.scheduled && p.message !== null) lines.push(`  ${podName(p)}: ${p.status.startsWith("Pending") ? "FailedScheduling: " : ""}${p.message}`);
  lines.push("");
  lines.push("containers (EPC used and paging attributed by epcsim; slowdown = active time against the pod alone on the node)");
  const rows = [["  pod/container", "state", "restarts", "EPC request", "misc.max", "EPC used peak / mean", "faults", "ELDU", "written back", "alone: ELDU", "slowdown", "failures"]];
  for (const p of r.pods) {
    if (!p.scheduled) continue;
    if (p.vm !== null) {
      rows.push([`  ${podName(p)} (VM ${p.runtimeClassName ?? ""})`, p.vm.failure ?? "Running", "-", mib(p.epcRequest), "-", `${mib(p.vm.epcPeak)} (vEPC ${mib(p.vm.vepcBytes)})`, "-", "-", "-", "-", "-", p.vm.failure ?? "-"]);
      continue;
    }
    for (const c of p.containers) {
      const failures = c.instances.filter((i) => i.failure !== null).map((i) => i.failure);
      const counts = new Map<string, number>();
      for (const f of failures) counts.set(f as string, (counts.get(f as string) ?? 0) + 1);
      rows.push([
        `  ${podName(p)}/${c.name}`,
        c.state,
        String(c.restarts),
        mib(c.epcRequest),
        // mainline has no sgx_epc resource: the plugin's write fails with EINVAL and limits nothing
        c.miscMax === null ? "-" : r.kernel === "mainline" ? `${mib(c.miscMax)} (EINVAL)` : mib(c.miscMax),
        `${mib(c.epcUsed.peak)} / ${mib(c.epcUsed.mean)}`,
        String(c.paging.faults),
        String(c.paging.eldu),
        String(c.paging.ewbPages),
        c.alonePaging === null ? "-" : String(c.alonePaging.eldu),
        slowdown(c.slowdown),
        counts.size === 0 ? "-" : [...counts].map(([f, n]) => (n > 1 ? `${f} x${n}` : f)).join(", "),
      ]);
    }
  }
  lines.push(table(rows));
  const failed = r.pods.flatMap((p) => p.containers.flatMap((c) => [
    ...(c.createError === null ? [] : [`  ${podName(p)}/${c.name}: CreateContainerError: ${c.createError}`]),
    ...c.instances.filter((i) => i.failure !== null).map((i) => `  ${i.process} at ${formatNs(i.endNs ?? 0)}: ${i.failure}${i.cause === null ? "" : ` — ${i.cause}`}`),
  ]));
  if (failed.length > 0) {
    lines.push("");
    lines.push("failures (at the exit, with the cause)");
    lines.push(...failed);
  }
  lines.push("");
  lines.push(`simulated ${formatNs(r.simulatedNs)}${r.rounds > 1 ? `, in ${r.rounds} simulations of the node to settle the restarts` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** pod-epc.csv: time, then each pod's EPC in bytes (attributed by epcsim) */
export function formatPodEpcCsv(s: PodEpcSeries): string {
  const esc = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const head = ["time_ns", ...s.pods.map((p) => `${p}_epc_bytes`)].map(esc).join(",");
  return `${[head, ...s.rows.map((r) => [r.timeNs, ...r.bytes].join(","))].join("\n")}\n`;
}

export async function writeNodeFiles(dir: string, r: NodeResult, series: PodEpcSeries): Promise<void> {
  writeFileSync(join(dir, "node.json"), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, "pod-epc.csv"), formatPodEpcCsv(series));
  writeFileSync(join(dir, "node.html"), await renderNodeHtml(r, series));
}
