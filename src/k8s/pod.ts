// A Pod as the API server admits it: its containers' resources parsed as quantities, the defaults
// applied (a limit alone sets the request), and the validation that refuses a pod before any
// scheduler sees it (extended resources must be whole numbers, with a limit equal to the request).
import { ceilValue, isInteger, milliValue, parseQuantity, type Quantity } from "./quantity.js";
import { at, fail, optArray, optObject, optString, stringMap, type FieldSpec, type Manifest } from "./manifest.js";

export const EPC = "sgx.intel.com/epc";
export const ENCLAVE = "sgx.intel.com/enclave";
export const PROVISION = "sgx.intel.com/provision";
export const AKS_EPC_MIB = "kubernetes.azure.com/sgx_epc_mem_in_MiB";

export interface Resources {
  requests: Map<string, Quantity>;
  limits: Map<string, Quantity>;
}

export interface Container {
  name: string;
  index: number;
  resources: Resources;
}

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export interface Toleration {
  key: string;
  operator: "Exists" | "Equal";
  value: string;
  effect: string;
}

export interface Pod {
  manifest: Manifest;
  name: string;
  namespace: string;
  uid: string;
  annotations: Record<string, string>;
  containers: Container[];
  restartPolicy: RestartPolicy;
  runtimeClassName: string | null;
  priority: number;
  nodeName: string | null;
  tolerations: Toleration[];
}

/** the fields of a Pod that epcsim reads; the others get one warning each */
export const POD_FIELDS: { [k: string]: FieldSpec } = {
  metadata: { uid: true, annotations: "*" },
  spec: {
    containers: [{ name: true, resources: { requests: "*", limits: "*" } }],
    restartPolicy: true,
    runtimeClassName: true,
    priority: true,
    priorityClassName: true,
    nodeName: true,
    tolerations: "*",
  },
};

/** cpu, memory, ephemeral-storage and hugepages are native; the rest are extended resources */
export function isExtended(resource: string): boolean {
  return !["cpu", "memory", "ephemeral-storage", "storage"].includes(resource) && !resource.startsWith("hugepages-") && !resource.startsWith("requests.");
}

function quantities(m: Manifest, path: (string | number)[]): Map<string, Quantity> {
  const o = optObject(m, path) ?? {};
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(o)) {
    const q = parseQuantity(v);
    if (typeof q === "string") fail(m, [...path, k], q);
    if (q.num < 0n) fail(m, [...path, k], `must be greater than or equal to 0, got ${JSON.stringify(v)}`);
    out.set(k, q);
  }
  return out;
}

function cmp(a: Quantity, b: Quantity): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** the system priority classes that exist in every cluster */
const SYSTEM_PRIORITY: Record<string, number> = { "system-cluster-critical": 2000000000, "system-node-critical": 2000001000 };

/** reads and admits a Pod: defaults, then validation as the API server does (validation.go) */
export function readPod(m: Manifest, priorityClasses: Map<string, number>): Pod {
  const name = m.name;
  if (name === "") fail(m, ["metadata", "name"], "expected the pod's name");
  const namespace = optString(m, ["metadata", "namespace"]) ?? "default";
  const annotations = stringMap(m, ["metadata", "annotations"]);
  const list = optArray(m, ["spec", "containers"]);
  if (list === undefined || list.length === 0) fail(m, ["spec", "containers"], "Required value: expected at least one container");
  const names = new Set<string>();
  const containers = list.map((_, i): Container => {
    const cname = optString(m, ["spec", "containers", i, "name"]);
    if (cname === undefined || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cname) || cname.length > 63) {
      fail(m, ["spec", "containers", i, "name"], `expected a DNS label (lower-case letters, digits and '-'), got ${JSON.stringify(at(m, ["spec", "containers", i, "name"]) ?? null)}`);
    }
    if (names.has(cname)) fail(m, ["spec", "containers", i, "name"], `Duplicate value: "${cname}"`);
    names.add(cname);
    const base = ["spec", "containers", i, "resources"];
    const requests = quantities(m, [...base, "requests"]);
    const limits = quantities(m, [...base, "limits"]);
    // defaulting (SetDefaults_Container...): a limit without a request sets the request
    for (const [r, q] of limits) if (!requests.has(r)) requests.set(r, q);
    for (const [r, q] of requests) {
      if (isExtended(r)) {
        if (!isInteger(q)) fail(m, [...base, "requests", r], `must be an integer, got ${JSON.stringify(q.text)}`);
        const l = limits.get(r);
        if (l === undefined) fail(m, [...base, "limits"], `Required value: Limit must be set for non overcommitable resources (${r})`);
        if (cmp(l, q) !== 0) fail(m, [...base, "requests", r], `must be equal to ${r} limit of ${l.text}, got ${q.text}`);
      } else {
        const l = limits.get(r);
        if (l !== undefined && cmp(q, l) > 0) fail(m, [...base, "requests", r], `must be less than or equal to ${r} limit of ${l.text}, got ${q.text}`);
      }
    }
    return { name: cname, index: i, resources: { requests, limits } };
  });
  const rp = optString(m, ["spec", "restartPolicy"]) ?? "Always";
  if (rp !== "Always" && rp !== "OnFailure" && rp !== "Never") fail(m, ["spec", "restartPolicy"], `Unsupported value: "${rp}": supported values: "Always", "OnFailure", "Never"`);
  let priority = 0;
  const pcName = optString(m, ["spec", "priorityClassName"]);
  const pv = at(m, ["spec", "priority"]);
  if (pv !== undefined && pv !== null) {
    if (typeof pv !== "number" || !Number.isInteger(pv)) fail(m, ["spec", "priority"], `expected an integer, got ${JSON.stringify(pv)}`);
    priority = pv;
  } else if (pcName !== undefined) {
    const p = priorityClasses.get(pcName) ?? SYSTEM_PRIORITY[pcName];
    if (p === undefined) fail(m, ["spec", "priorityClassName"], `no PriorityClass with name ${pcName} was found (add its PriorityClass to the pods file, or give spec.priority)`);
    priority = p;
  }
  const tolerations = (optArray(m, ["spec", "tolerations"]) ?? []).map((_, i): Toleration => {
    const op = optString(m, ["spec", "tolerations", i, "operator"]) ?? "Equal";
    if (op !== "Exists" && op !== "Equal") fail(m, ["spec", "tolerations", i, "operator"], `Unsupported value: "${op}": supported values: "Equal", "Exists"`);
    return {
      key: optString(m, ["spec", "tolerations", i, "key"]) ?? "",
      operator: op,
      value: optString(m, ["spec", "tolerations", i, "value"]) ?? "",
      effect: optString(m, ["spec", "tolerations", i, "effect"]) ?? "",
    };
  });
  return {
    manifest: m,
    name,
    namespace,
    uid: optString(m, ["metadata", "uid"]) ?? "",
    annotations,
    containers,
    restartPolicy: rp,
    runtimeClassName: optString(m, ["spec", "runtimeClassName"]) ?? null,
    priority,
    nodeName: optString(m, ["spec", "nodeName"]) ?? null,
    tolerations,
  };
}

/** a PriorityClass document: its name and value */
export function readPriorityClass(m: Manifest): [string, number] {
  if (m.name === "") fail(m, ["metadata", "name"], "expected the PriorityClass's name");
  const v = at(m, ["value"]);
  if (typeof v !== "number" || !Number.isInteger(v)) fail(m, ["value"], `expected an integer priority, got ${JSON.stringify(v ?? null)}`);
  return [m.name, v];
}

/** a container's request of `resource` in whole units (bytes, or milli-units for cpu), 0 when absent */
export function requestOf(c: Container, resource: string): bigint {
  const q = c.resources.requests.get(resource);
  if (q === undefined) return 0n;
  return resource === "cpu" ? milliValue(q) : ceilValue(q);
}

/** the EPC a container asks for, bytes: sgx.intel.com/epc, or AKS's MiB resource */
export function epcRequestBytes(c: Container): bigint {
  return requestOf(c, EPC) + requestOf(c, AKS_EPC_MIB) * 1048576n;
}
