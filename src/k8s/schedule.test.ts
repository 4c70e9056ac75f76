import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeOf, podsOf, podYaml } from "../testing/k8s-manifests.js";
import { schedule } from "./schedule.js";
import { mutateSgxPod } from "./webhook.js";
import { planNode } from "./plan.js";
import { readManifests } from "./manifest.js";
import { nodeFromManifest } from "./node.js";

const NODE = { cpu: "8", memory: "16Gi", pods: "110", "sgx.intel.com/epc": "98566144", "sgx.intel.com/enclave": "110" };

function verdicts(node: ReturnType<typeof nodeOf>, text: string): Record<string, string> {
  const pods = podsOf(text);
  for (const p of pods) mutateSgxPod(p);
  const v = schedule(node, pods);
  return Object.fromEntries(pods.map((p) => { const x = v.get(p); return [p.name, x === undefined ? "?" : x.scheduled ? "scheduled" : x.message]; }));
}

const epc = (n: string): string => `{ limits: { sgx.intel.com/epc: ${n} } }`;

test("scheduling: pods are fitted in the manifests' order against allocatable; one that does not fit is Pending with the scheduler's message", () => {
  const text = [podYaml("a", [["c", epc("64Mi")]]), podYaml("b", [["c", epc("32Mi")]]), podYaml("c", [["c", epc("16Mi")]])].join("---\n");
  assert.deepEqual(verdicts(nodeOf(NODE), text), {
    a: "scheduled",
    b: "0/1 nodes are available: 1 Insufficient sgx.intel.com/epc.",
    c: "scheduled",
  });
});

test("scheduling: a higher priority goes first (spec.priority or a PriorityClass in the file), ties keep the file order", () => {
  const pc = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: { name: high }\nvalue: 1000\n---\n";
  const text = pc + [podYaml("a", [["c", epc("64Mi")]]), podYaml("b", [["c", epc("64Mi")]], "  priorityClassName: high\n"), podYaml("c", [["c", epc("64Mi")]], "  priority: 5\n")].join("---\n");
  const v = verdicts(nodeOf(NODE), text);
  assert.equal(v.b, "scheduled");
  assert.match(v.a ?? "", /Insufficient sgx\.intel\.com\/epc/);
  assert.match(v.c ?? "", /Insufficient sgx\.intel\.com\/epc/);
  assert.throws(() => podsOf(podYaml("d", [["c", "{}"]], "  priorityClassName: nope\n")), /document 1 \(Pod "d"\): spec\.priorityClassName: no PriorityClass with name nope was found/);
});

test("scheduling: the webhook's sgx.intel.com/enclave counts against the node's, and every shortage is named, sorted", () => {
  const node = nodeOf({ ...NODE, "sgx.intel.com/enclave": "1", cpu: "1" });
  const text = [podYaml("a", [["c", epc("1Mi")]]), podYaml("b", [["c", "{ limits: { sgx.intel.com/epc: 1Mi, cpu: '2' } }"]])].join("---\n");
  assert.deepEqual(verdicts(node, text), { a: "scheduled", b: "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient sgx.intel.com/enclave." });
  // a node without the resource at all has none of it
  const none = nodeOf({ cpu: "8", "kubernetes.azure.com/sgx_epc_mem_in_MiB": "28" });
  assert.match(verdicts(none, podYaml("a", [["c", epc("1Mi")]])).a ?? "", /Insufficient sgx\.intel\.com\/enclave, 1 Insufficient sgx\.intel\.com\/epc/);
});

test("scheduling: AKS's MiB resource and its NoSchedule taint, tolerated or not", () => {
  const taint = "spec:\n  taints: [{ key: kubernetes.azure.com/sgx_epc_mem_in_MiB, value: 'true', effect: NoSchedule }]\n";
  const node = nodeOf({ cpu: "2", "kubernetes.azure.com/sgx_epc_mem_in_MiB": "28" }, taint);
  assert.equal(node.epcBytes, 28 * 1048576);
  const aks = (mib: string): string => `{ limits: { kubernetes.azure.com/sgx_epc_mem_in_MiB: ${mib} } }`;
  const tolerate = "  tolerations: [{ key: kubernetes.azure.com/sgx_epc_mem_in_MiB, operator: Exists, effect: NoSchedule }]\n";
  const text = [podYaml("a", [["c", aks("10")]], tolerate), podYaml("b", [["c", aks("10")]]), podYaml("c", [["c", aks("20")]], tolerate)].join("---\n");
  assert.deepEqual(verdicts(node, text), {
    a: "scheduled",
    b: "0/1 nodes are available: 1 node(s) had untolerated taint {kubernetes.azure.com/sgx_epc_mem_in_MiB: true}.",
    c: "0/1 nodes are available: 1 Insufficient kubernetes.azure.com/sgx_epc_mem_in_MiB.",
  });
});

test("spec.nodeName: a pod bound here skips the scheduler and the kubelet rejects it when it does not fit; one bound elsewhere is scheduled here", () => {
  const text = [
    podYaml("a", [["c", epc("64Mi")]], "  nodeName: n1\n"),
    podYaml("b", [["c", epc("64Mi")]], "  nodeName: n1\n"),
    podYaml("c", [["c", epc("1Mi")]], "  nodeName: other\n"),
    podYaml("d", [["c", epc("64Mi")]], "  nodeName: other\n"),
  ].join("---\n");
  assert.deepEqual(verdicts(nodeOf(NODE), text), {
    a: "scheduled",
    b: "Pod was rejected: Node didn't have enough resource: sgx.intel.com/epc, requested: 67108864, used: 67108864, capacity: 98566144",
    c: "scheduled",
    d: "0/1 nodes are available: 1 Insufficient sgx.intel.com/epc.",
  });
  const warnings: string[] = [];
  planNode(nodeOf(NODE), podsOf(text), 1e9, (m) => warnings.push(m));
  assert.ok(warnings.includes('pods.yaml: document 3 (Pod "c"): spec.nodeName: the pod is bound to node "other"; on n1 it is scheduled as if it were not bound'), warnings.join("\n"));
});

test("plan: pods come out in the scheduler's order; an annotation of ours naming no container is warned about", () => {
  const warnings: string[] = [];
  const text = [
    podYaml("low", [["c", epc("1Mi")]]),
    podYaml("high", [["c", epc("1Mi")]], "  priority: 10\n").replace("metadata: { name: high }", "metadata: { name: high, annotations: { epcsim.io/workload.typo: '{preset: test_sgx_oversubscribed}', epc-limit.nri.io/container.nope: '4096' } }"),
  ].join("---\n");
  const plan = planNode(nodeOf(NODE), podsOf(text), 1e9, (m) => warnings.push(m));
  assert.deepEqual(plan.pods.map((p) => p.pod.name), ["high", "low"]);
  assert.deepEqual(warnings, [
    'pods.yaml: document 2 (Pod "high"): metadata.annotations["epcsim.io/workload.typo"] names no container of the pod (c); it is ignored',
    'pods.yaml: document 2 (Pod "high"): metadata.annotations["epc-limit.nri.io/container.nope"] names no container of the pod (c); it is ignored',
  ]);
});

test("node: the instance-type label picks the profile; CPUs and EPC come from the capacity (AKS's MiB resource)", () => {
  const m = readManifests("node.yaml", "kind: Node\nmetadata: { name: aks, labels: { node.kubernetes.io/instance-type: Standard_DC4s_v3 } }\nstatus:\n  capacity: { cpu: '4', kubernetes.azure.com/sgx_epc_mem_in_MiB: '16384' }\n")[0];
  assert.ok(m !== undefined);
  const node = nodeFromManifest(m, () => undefined);
  assert.equal(node.profile, "azure-dc4s-v3");
  assert.equal(node.cpus, 4);
  assert.equal(node.epcBytes, 16 * 2 ** 30);
  assert.equal(node.allocatable.get("kubernetes.azure.com/sgx_epc_mem_in_MiB"), 16384n, "allocatable defaults to the capacity");
  const warnings: string[] = [];
  const other = readManifests("node.yaml", "kind: Node\nmetadata: { name: x, labels: { node.kubernetes.io/instance-type: m5.large } }\nstatus: { capacity: { sgx.intel.com/epc: '98566144' } }\n")[0];
  assert.ok(other !== undefined);
  assert.equal(nodeFromManifest(other, (w) => warnings.push(w)).profile, "client-128m");
  assert.match(warnings[0] ?? "", /instance type "m5\.large" is not a profile of epcsim; its costs are client-128m's/);
});
