// kube-scheduler's verdict for one node: pods in their queue order (higher priority first, then
// creation order, i.e. the order of the manifests), each fitted against what allocatable has left
// (NodeResourcesFit: extended resources are never overcommitted; the pod count), untolerated
// NoSchedule/NoExecute taints (TaintToleration) and spec.nodeName. A pod that does not fit stays
// Pending with the scheduler's FailedScheduling message.
import type { NodeModel, Taint } from "./node.js";
import { requestOf, type Pod, type Toleration } from "./pod.js";

export type Verdict = { scheduled: true } | { scheduled: false; reasons: string[]; message: string };

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== "" && t.effect !== taint.effect) return false;
  if (t.key === "" && t.operator === "Exists") return true;
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || t.value === taint.value;
}

/** the pod's requests summed over its containers, per resource (cpu in millicores) */
export function podRequests(pod: Pod): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const c of pod.containers) for (const r of c.resources.requests.keys()) out.set(r, (out.get(r) ?? 0n) + requestOf(c, r));
  return out;
}

/** the queue order: priority, highest first; ties keep the manifests' order */
export function queueOrder(pods: readonly Pod[]): Pod[] {
  return pods.map((p, i) => ({ p, i })).sort((a, b) => b.p.priority - a.p.priority || a.i - b.i).map((x) => x.p);
}

export function schedule(node: NodeModel, pods: readonly Pod[]): Map<Pod, Verdict> {
  const used = new Map<string, bigint>();
  const out = new Map<Pod, Verdict>();
  let podCount = 0n;
  for (const pod of queueOrder(pods)) {
    const reasons: string[] = [];
    if (pod.nodeName !== null && pod.nodeName !== node.name) reasons.push("node(s) didn't match Pod's node affinity/selector");
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!pod.tolerations.some((t) => tolerates(t, taint))) reasons.push(`node(s) had untolerated taint {${taint.key}: ${taint.value}}`);
    }
    const podsAllowed = node.allocatable.get("pods");
    if (podsAllowed !== undefined && podsAllowed !== null && podCount + 1n > podsAllowed) reasons.push("Too many pods");
    const req = podRequests(pod);
    for (const [r, amount] of [...req].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (amount === 0n) continue;
      const a = node.allocatable.get(r);
      if (a === null) continue; // not given for a profile node: not checked
      if ((a ?? 0n) - (used.get(r) ?? 0n) < amount) reasons.push(`Insufficient ${r}`);
    }
    if (reasons.length > 0) {
      // the FailedScheduling event: "0/1 nodes are available: 1 Insufficient sgx.intel.com/epc."
      const sorted = [...reasons].sort();
      out.set(pod, { scheduled: false, reasons, message: `0/1 nodes are available: ${sorted.map((r) => `1 ${r}`).join(", ")}.` });
      continue;
    }
    for (const [r, amount] of req) used.set(r, (used.get(r) ?? 0n) + amount);
    podCount += 1n;
    out.set(pod, { scheduled: true });
  }
  return out;
}
