// The node a pod mix is tried on: a Node object as `kubectl get node -o yaml` prints it (its
// capacity and allocatable, sgx.intel.com/epc in bytes or AKS's sgx_epc_mem_in_MiB, its taints and
// the instance type that names a platform profile), or a profile from `epcsim profiles` with CPUs
// and memory. Allocatable is what the scheduler fits pods against; capacity sizes the machine.
import { costProfileNames, profileName, profilePlatform } from "../hw/costs.js";
import { ceilValue, milliValue, parseQuantity, type Quantity } from "./quantity.js";
import { AKS_EPC_MIB, ENCLAVE, EPC, PROVISION } from "./pod.js";
import { fail, isObject, ManifestError, optArray, optObject, optString, where, type FieldSpec, type Manifest } from "./manifest.js";

export interface Taint {
  key: string;
  value: string;
  effect: string;
}

export interface NodeModel {
  name: string;
  /** the platform profile (costs, sections, clock) */
  profile: string;
  cpus: number;
  /** the machine's EPC, bytes (a multiple of 4096) */
  epcBytes: number;
  /** per resource, in base units (cpu in millicores); a resource not listed is 0, `null` unchecked */
  allocatable: Map<string, bigint | null>;
  capacity: Map<string, bigint>;
  taints: Taint[];
  /** how it was given, for the report */
  source: string;
}

export const NODE_FIELDS: { [k: string]: FieldSpec } = {
  metadata: { labels: "*", uid: true, annotations: true },
  spec: { taints: "*" },
  status: { capacity: "*", allocatable: "*" },
};

function units(resource: string, q: Quantity): bigint {
  return resource === "cpu" ? milliValue(q) : ceilValue(q);
}

function resourceMap(m: Manifest, path: string[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [k, v] of Object.entries(optObject(m, path) ?? {})) {
    const q = parseQuantity(v);
    if (typeof q === "string") fail(m, [...path, k], q);
    out.set(k, units(k, q));
  }
  return out;
}

const INSTANCE_TYPE_LABELS = ["node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"];

/** the machine's EPC from capacity: sgx.intel.com/epc bytes, or AKS's MiB; rounded down to pages */
function epcOf(capacity: Map<string, bigint>): number | null {
  const bytes = capacity.get(EPC) ?? (capacity.has(AKS_EPC_MIB) ? (capacity.get(AKS_EPC_MIB) as bigint) * 1048576n : null);
  if (bytes === null) return null;
  return Number(bytes - (bytes % 4096n));
}

export function nodeFromManifest(m: Manifest, warn: (message: string) => void): NodeModel {
  if (m.kind !== "Node") throw new ManifestError(`${where(m)}: expected a Node (kubectl get node NAME -o yaml), got a ${m.kind}`);
  const capacity = resourceMap(m, ["status", "capacity"]);
  if (capacity.size === 0) fail(m, ["status", "capacity"], "expected the node's capacity (cpu, memory, sgx.intel.com/epc), as kubectl get node -o yaml prints it");
  const alloc = resourceMap(m, ["status", "allocatable"]);
  const allocatable = new Map<string, bigint | null>(alloc.size > 0 ? alloc : capacity);
  const labels = optObject(m, ["metadata", "labels"]) ?? {};
  let profile = "client-128m";
  const type = INSTANCE_TYPE_LABELS.map((l) => labels[l]).find((v): v is string => typeof v === "string");
  if (type !== undefined) {
    const p = profileName(type);
    if (p !== undefined) profile = p;
    else warn(`${where(m)}: metadata.labels: instance type ${JSON.stringify(type)} is not a profile of epcsim; its costs are client-128m's (epcsim profiles lists the profiles)`);
  }
  const platform = profilePlatform(profile);
  let epcBytes = epcOf(capacity);
  if (epcBytes === null || epcBytes === 0) {
    fail(m, ["status", "capacity"], `expected ${EPC} (bytes) or ${AKS_EPC_MIB} in the capacity of an SGX node`);
  }
  const cpuMilli = capacity.get("cpu");
  const cpus = cpuMilli === undefined ? platform.cpus.value : Math.max(1, Math.min(1024, Math.floor(Number(cpuMilli) / 1000)));
  const taints = (optArray(m, ["spec", "taints"]) ?? []).map((t, i) => {
    if (!isObject(t)) fail(m, ["spec", "taints", i], "expected a taint {key, value, effect}");
    return { key: optString(m, ["spec", "taints", i, "key"]) ?? "", value: optString(m, ["spec", "taints", i, "value"]) ?? "", effect: optString(m, ["spec", "taints", i, "effect"]) ?? "" };
  });
  return { name: m.name === "" ? "node" : m.name, profile, cpus, epcBytes, allocatable, capacity, taints, source: `${m.file} (Node ${m.name})` };
}

/**
 * a node made from a profile: its EPC and CPUs (unless --cpus says otherwise), memory as given (not
 * checked when not given), and the device plugin's default of 20 enclaves and provisions
 */
export function nodeFromProfile(name: string, cpusArg: string | undefined, memoryArg: string | undefined): NodeModel {
  const profile = profileName(name);
  if (profile === undefined) throw new ManifestError(`${name}: expected a Node manifest file or a profile, one of ${costProfileNames.join(", ")}.`);
  const platform = profilePlatform(profile);
  const epcBytes = platform.epc.sections.reduce((n, s) => n + s.size, 0);
  let cpus = platform.cpus.value;
  if (cpusArg !== undefined) {
    cpus = Number(cpusArg);
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 1024) throw new ManifestError(`--cpus: expected a whole number from 1 to 1024, got "${cpusArg}".`);
  }
  let memory: bigint | null = null;
  if (memoryArg !== undefined) {
    const q = parseQuantity(memoryArg);
    if (typeof q === "string") throw new ManifestError(`--memory: ${q}.`);
    memory = ceilValue(q);
  }
  const capacity = new Map<string, bigint>([
    ["cpu", BigInt(cpus) * 1000n],
    [EPC, BigInt(epcBytes)],
    [ENCLAVE, 20n],
    [PROVISION, 20n],
    ["pods", 110n],
  ]);
  if (memory !== null) capacity.set("memory", memory);
  const allocatable = new Map<string, bigint | null>(capacity);
  if (memory === null) allocatable.set("memory", null);
  return { name: profile, profile, cpus, epcBytes, allocatable, capacity, taints: [], source: "a profile" };
}
