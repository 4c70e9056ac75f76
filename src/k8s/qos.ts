// The pod's QoS class (pkg/apis/core/v1/helper/qos, GetPodQOS) and the cgroup paths the kubelet's
// systemd cgroup driver gives it (pkg/kubelet/cm: kubepods.slice, one slice per QoS class but
// Guaranteed, whose pods sit directly under kubepods.slice; the pod's uid with '-' escaped as '_';
// containerd's cri-containerd-<id>.scope per container).
import type { Pod } from "./pod.js";
import type { Quantity } from "./quantity.js";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const QOS_RESOURCES = ["cpu", "memory"];

function nonZero(q: Quantity): boolean {
  return q.num !== 0n;
}

function add(m: Map<string, [bigint, bigint]>, r: string, q: Quantity): void {
  const [n, d] = m.get(r) ?? [0n, 1n];
  m.set(r, [n * q.den + q.num * d, d * q.den]);
}

export function qosClass(pod: Pod): QosClass {
  const requests = new Map<string, [bigint, bigint]>();
  const limits = new Map<string, [bigint, bigint]>();
  let guaranteed = true;
  for (const c of pod.containers) {
    for (const [r, q] of c.resources.requests) if (QOS_RESOURCES.includes(r) && nonZero(q)) add(requests, r, q);
    const found = new Set<string>();
    for (const [r, q] of c.resources.limits) {
      if (QOS_RESOURCES.includes(r) && nonZero(q)) {
        add(limits, r, q);
        found.add(r);
      }
    }
    if (!QOS_RESOURCES.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [r, [n, d]] of requests) {
      const l = limits.get(r);
      if (l === undefined || n * l[1] !== l[0] * d) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

/** the pod's slice: /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice */
export function podSlice(qos: QosClass, uid: string): string {
  const escaped = uid.replace(/-/g, "_");
  if (qos === "Guaranteed") return `/kubepods.slice/kubepods-pod${escaped}.slice`;
  const q = qos.toLowerCase();
  return `/kubepods.slice/kubepods-${q}.slice/kubepods-${q}-pod${escaped}.slice`;
}

/** a container's scope under its pod's slice (containerd with the systemd cgroup driver) */
export function containerScope(slice: string, containerId: string): string {
  return `${slice}/cri-containerd-${containerId}.scope`;
}
