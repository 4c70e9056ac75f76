// From manifests to what the node runs: the pods admitted (API defaults and validation, the SGX
// webhook's mutation), scheduled against the node, and for each scheduled pod its QoS class, its
// systemd cgroup slice, and per container the scope, the NRI plugin's misc.max, memory.max from the
// memory limit, and the workload. Pure: reading the files is the caller's (nodeToScenario).
import { createHash } from "node:crypto";
import { ManifestError, readManifests, UnknownFields, where, type Manifest } from "./manifest.js";
import { epcRequestBytes, POD_FIELDS, readPod, readPriorityClass, type Pod } from "./pod.js";
import { mutateSgxPod } from "./webhook.js";
import { queueOrder, schedule, type Verdict } from "./schedule.js";
import { containerScope, podSlice, qosClass, type QosClass } from "./qos.js";
import { NRI_KEY, nriEpcLimit, type NriLimit } from "./nri.js";
import { WORKLOAD_KEY, workloadOf, type Workload } from "./workload.js";
import type { NodeModel } from "./node.js";
import { ceilValue } from "./quantity.js";

/** runtime classes that run the pod in a VM with virtual EPC (Kata Containers with QEMU) */
export const VM_RUNTIME_CLASSES = ["kata-qemu-sgx"];

export interface PlannedContainer {
  name: string;
  /** nominal EPC: the container's request, bytes */
  epcRequest: number;
  nri: NriLimit;
  memoryLimit: number | null;
  workload: Workload;
}

export interface PlannedPod {
  pod: Pod;
  verdict: Verdict;
  qos: QosClass;
  uid: string;
  slice: string;
  /** the webhook's sgx.intel.com/epc annotation (the sum), or null when no container asks for EPC */
  epcAnnotation: string | null;
  epcSum: number;
  /** a VM runtime class: the pod is a guest whose vEPC is the pod's EPC sum */
  vm: boolean;
  containers: PlannedContainer[];
}

export interface NodePlan {
  node: NodeModel;
  pods: PlannedPod[];
}

/** a deterministic uid for a pod without metadata.uid (version-4 layout, from its namespace and name) */
export function derivedUid(namespace: string, name: string): string {
  const h = createHash("sha256").update(`${namespace}/${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** a containerd container id (64 hex digits) for a container's instance (restarts get new ids) */
export function containerId(uid: string, container: string, instance: number): string {
  return createHash("sha256").update(`${uid}/${container}/${instance}`).digest("hex");
}

/** the scope of a container's instance */
export function scopeOf(p: PlannedPod, container: string, instance: number): string {
  return containerScope(p.slice, containerId(p.uid, container, instance));
}

/** the pods and priority classes of a pods file (a multi-document YAML or a List) */
export function readPods(file: string, text: string, warn: (m: string) => void): Pod[] {
  const manifests = readManifests(file, text);
  const unknown = new UnknownFields(warn);
  const classes = new Map<string, number>();
  for (const m of manifests) if (m.kind === "PriorityClass") classes.set(...readPriorityClass(m));
  const pods: Pod[] = [];
  const seen = new Map<string, Manifest>();
  for (const m of manifests) {
    if (m.kind === "PriorityClass") continue;
    if (m.kind !== "Pod") {
      warn(`${where(m)}: a ${m.kind} is not simulated and is ignored (expected Pods, or PriorityClasses they name)`);
      continue;
    }
    unknown.check(m, POD_FIELDS);
    const pod = readPod(m, classes);
    const key = `${pod.namespace}/${pod.name}`;
    const first = seen.get(key);
    if (first !== undefined) throw new ManifestError(`${where(m)}: metadata.name: the pod "${key}" already exists (${where(first)})`);
    seen.set(key, m);
    pods.push(pod);
  }
  if (pods.length === 0) warn(`${file}: no Pod in the file: the node runs nothing`);
  return pods;
}

/** annotations of ours (and the NRI plugin's per-container ones) that name no container of the pod */
function warnStrayAnnotations(pod: Pod, warn: (m: string) => void): void {
  const names = new Set(pod.containers.map((c) => c.name));
  for (const key of Object.keys(pod.annotations)) {
    for (const prefix of [WORKLOAD_KEY, `${NRI_KEY}/container.`]) {
      if (key.startsWith(prefix) && !names.has(key.slice(prefix.length))) {
        warn(`${where(pod.manifest)}: metadata.annotations[${JSON.stringify(key)}] names no container of the pod (${[...names].join(", ")}); it is ignored`);
      }
    }
  }
}

/** admission, scheduling and the kubelet's layout of every pod, in the scheduler's order */
export function planNode(node: NodeModel, pods: Pod[], untilNs: number, warn: (m: string) => void = () => undefined): NodePlan {
  for (const pod of pods) mutateSgxPod(pod);
  for (const pod of pods) {
    warnStrayAnnotations(pod, warn);
    if (pod.nodeName !== null && pod.nodeName !== node.name) warn(`${where(pod.manifest)}: spec.nodeName: the pod is bound to node "${pod.nodeName}"; on ${node.name} it is scheduled as if it were not bound`);
  }
  const verdicts = schedule(node, pods);
  const planned = queueOrder(pods).map((pod): PlannedPod => {
    const qos = qosClass(pod);
    const uid = pod.uid !== "" ? pod.uid : derivedUid(pod.namespace, pod.name);
    const epcSum = Number(pod.containers.reduce((n, c) => n + epcRequestBytes(c), 0n));
    const containers = pod.containers.map((c): PlannedContainer => {
      const epcRequest = Number(epcRequestBytes(c));
      const mem = c.resources.limits.get("memory");
      return {
        name: c.name,
        epcRequest,
        nri: nriEpcLimit(pod.annotations, c.name),
        memoryLimit: mem === undefined ? null : Number(ceilValue(mem)),
        workload: workloadOf(pod.manifest, pod.annotations, c.name, epcRequest, untilNs),
      };
    });
    return {
      pod,
      verdict: verdicts.get(pod) ?? { scheduled: false, reasons: ["not considered"], message: "not considered", phase: "Pending" },
      qos,
      uid,
      slice: podSlice(qos, uid),
      epcAnnotation: pod.annotations["sgx.intel.com/epc"] ?? null,
      epcSum,
      vm: pod.runtimeClassName !== null && VM_RUNTIME_CLASSES.includes(pod.runtimeClassName),
      containers,
    };
  });
  return { node, pods: planned };
}
