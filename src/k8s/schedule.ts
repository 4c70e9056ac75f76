// kube-scheduler's verdict for one node: pods in their queue order (higher priority first, then
// creation order, i.e. the order of the manifests), each fitted against what allocatable has left
// (NodeResourcesFit: extended resources are never overcommitted; the pod count) and untolerated
// NoSchedule/NoExecute taints (TaintToleration). A pod that does not fit stays Pending with the
// scheduler's FailedScheduling message. A pod bound to this node by spec.nodeName skips the
// scheduler, and the kubelet's admission fits it and rejects it (Failed, OutOf<resource>) when it
// does not fit; one bound to another node (exported from a running cluster) is scheduled here as if
// unbound: trying a pod mix on another node is the point (planNode warns).
import type { NodeModel, Taint } from "./node.js";
import { requestOf, type Pod, type Toleration } from "./pod.js";

/**
 * scheduled (or bound by spec.nodeName and admitted by the kubelet), or not, with the reasons and the
 * message the scheduler's FailedScheduling event (or the kubelet's rejection) gives
 */
export type Verdict = { scheduled: true } | { scheduled: false; reasons: string[]; message: string; phase: "Pending" | "Failed" };

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
    const req = podRequests(pod);
    const short = (r: string, amount: bigint): boolean => {
      const a = node.allocatable.get(r);
      return amount > 0n && a !== null && (a ?? 0n) - (used.get(r) ?? 0n) < amount;
    };
    if (pod.nodeName === node.name) {
      // bound by name: no scheduler, but the kubelet's admission (the same fit) rejects it, Failed with OutOf<resource>
      const missing = [...req].filter(([r, amount]) => short(r, amount)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const first = missing[0];
      if (first !== undefined) {
        const [r, amount] = first;
        const capacity = node.allocatable.get(r) ?? 0n;
        out.set(pod, { scheduled: false, reasons: [`OutOf${r}`], message: `Pod was rejected: Node didn't have enough resource: ${r}, requested: ${amount}, used: ${used.get(r) ?? 0n}, capacity: ${capacity ?? 0n}`, phase: "Failed" });
        continue;
      }
    } else {
      const reasons: string[] = [];
      for (const taint of node.taints) {
        if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
        if (!pod.tolerations.some((t) => tolerates(t, taint))) reasons.push(`node(s) had untolerated taint {${taint.key}: ${taint.value}}`);
      }
      const podsAllowed = node.allocatable.get("pods");
      if (podsAllowed !== undefined && podsAllowed !== null && podCount + 1n > podsAllowed) reasons.push("Too many pods");
      for (const [r, amount] of req) if (short(r, amount)) reasons.push(`Insufficient ${r}`);
      if (reasons.length > 0) {
        // the FailedScheduling event: "0/1 nodes are available: 1 Insufficient sgx.intel.com/epc."
        const sorted = [...reasons].sort();
        out.set(pod, { scheduled: false, reasons: sorted, message: `0/1 nodes are available: ${sorted.map((r) => `1 ${r}`).join(", ")}.`, phase: "Pending" });
        continue;
      }
    }
    for (const [r, amount] of req) used.set(r, (used.get(r) ?? 0n) + amount);
    podCount += 1n;
    out.set(pod, { scheduled: true });
  }
  return out;
}
