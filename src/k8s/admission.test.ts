// The platform's side of a pod: API defaults and validation, the SGX webhook's mutation, the NRI
// plugin's misc.max, the QoS class and the systemd cgroup paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { podOf, podsOf, podYaml } from "../testing/k8s-manifests.js";
import { mutateSgxPod } from "./webhook.js";
import { nriEpcLimit } from "./nri.js";
import { containerScope, podSlice, qosClass } from "./qos.js";
import { ceilValue } from "./quantity.js";
import { ENCLAVE, EPC, PROVISION } from "./pod.js";
import { ManifestError } from "./manifest.js";

test("webhook: sgx.intel.com/enclave: 1 for each container asking for EPC, and the pod annotation is the sum in BinarySI", () => {
  const pod = podOf(
    podYaml("p", [
      ["a", "{ limits: { sgx.intel.com/epc: 32Mi } }"],
      ["b", "{ limits: { cpu: '1' } }"],
      ["c", "{ requests: { sgx.intel.com/epc: '16777216' }, limits: { sgx.intel.com/epc: 16Mi } }"],
    ]),
  );
  const sum = mutateSgxPod(pod);
  assert.equal(sum, 48n * 1048576n);
  assert.equal(pod.annotations[EPC], "48Mi");
  const [a, b, c] = pod.containers;
  assert.equal(a?.resources.requests.get(ENCLAVE)?.text, "1");
  assert.equal(a?.resources.limits.get(ENCLAVE)?.text, "1");
  assert.equal(b?.resources.limits.has(ENCLAVE), false, "a container without EPC gets no enclave resource");
  assert.equal(c?.resources.requests.get(ENCLAVE)?.text, "1");
  assert.equal(a?.resources.limits.has(PROVISION), false);
});

test("webhook: the quote-provider container also gets sgx.intel.com/provision; a pod without EPC is left alone", () => {
  const pod = podOf(podYaml("p", [["qe", "{ limits: { sgx.intel.com/epc: '400' } }"]]).replace("metadata: { name: p }", 'metadata: { name: p, annotations: { sgx.intel.com/quote-provider: qe } }'));
  mutateSgxPod(pod);
  assert.equal(pod.containers[0]?.resources.requests.get(PROVISION)?.text, "1");
  assert.equal(pod.annotations[EPC], "400", "400 bytes stays 400: below 1024 BinarySI prints decimal");
  const plain = podOf(podYaml("q", [["x", "{ limits: { cpu: '1' } }"]]));
  mutateSgxPod(plain);
  assert.equal(plain.annotations[EPC], undefined);
});

test("admission: a limit alone sets the request; extended resources must be integers with request = limit", () => {
  const pod = podOf(podYaml("p", [["a", "{ limits: { sgx.intel.com/epc: 1Mi, memory: 64Mi } }"]]));
  assert.equal(ceilValue(pod.containers[0]?.resources.requests.get(EPC) ?? assert.fail()), 1048576n);
  assert.equal(pod.containers[0]?.resources.requests.get("memory")?.text, "64Mi");
  const refused: [string, RegExp][] = [
    ["{ requests: { sgx.intel.com/epc: 1Mi } }", /document 1 \(Pod "p"\): spec\.containers\[0\]\.resources\.limits: Required value: Limit must be set for non overcommitable resources \(sgx\.intel\.com\/epc\)/],
    ["{ requests: { sgx.intel.com/epc: 1Mi }, limits: { sgx.intel.com/epc: 2Mi } }", /spec\.containers\[0\]\.resources\.requests\["sgx\.intel\.com\/epc"\]: must be equal to sgx\.intel\.com\/epc limit of 2Mi, got 1Mi/],
    ["{ limits: { sgx.intel.com/epc: 500m } }", /requests\["sgx\.intel\.com\/epc"\]: must be an integer, got "500m"/],
    ["{ limits: { sgx.intel.com/epc: 32MiB } }", /limits\["sgx\.intel\.com\/epc"\]: expected a Kubernetes quantity .* got "32MiB"/],
    ["{ requests: { memory: 2Gi }, limits: { memory: 1Gi } }", /requests\.memory: must be less than or equal to memory limit of 1Gi, got 2Gi/],
    ["{ limits: { memory: -1 } }", /limits\.memory: must be greater than or equal to 0/],
  ];
  for (const [resources, message] of refused) {
    assert.throws(() => podOf(podYaml("p", [["a", resources]])), (e: unknown) => e instanceof ManifestError && message.test(e.message), resources);
  }
});

test("manifests: a List is read item by item, a bad item is named by document and index, unknown fields warn once per kind", () => {
  const warnings: string[] = [];
  const list = `apiVersion: v1\nkind: List\nitems:\n  - kind: Pod\n    metadata: { name: a }\n    spec: { containers: [{ name: c, image: x }] }\n  - kind: Pod\n    metadata: { name: b }\n    spec: { containers: [{ name: c, image: y }], volumes: [] }\n`;
  const pods = podsOf(list, warnings);
  assert.deepEqual(pods.map((p) => p.name), ["a", "b"]);
  assert.deepEqual(warnings, [
    'pods.yaml: Pod field spec.containers[].image is not simulated and is ignored (first in document 1, items[0] (Pod "a"))',
    'pods.yaml: Pod field spec.volumes is not simulated and is ignored (first in document 1, items[1] (Pod "b"))',
  ]);
  assert.throws(() => podsOf(list.replace("name: c, image: y", "name: C_1")), /pods\.yaml: document 1, items\[1\] \(Pod "b"\): spec\.containers\[0\]\.name: expected a DNS label/);
  assert.throws(() => podsOf("kind: Pod\nmetadata: { name: a }\nspec: { containers: [] }\n---\nkind: Pod\nmetadata: { name: b }\nspec: { restartPolicy: Sometimes, containers: [{ name: c }] }\n"), /document 1 \(Pod "a"\): spec\.containers: Required value/);
  assert.throws(() => podsOf("kind: Pod\nmetadata: { name: a }\nspec: { containers: [{name: c}] }\n---\nkind: Pod\nmetadata: { name: b }\nspec: { restartPolicy: Sometimes, containers: [{ name: c }] }\n"), /document 2 \(Pod "b"\): spec\.restartPolicy: Unsupported value: "Sometimes"/);
  assert.throws(() => podsOf("kind: Pod\nmetadata: { name: a, annotations: { epc-limit.nri.io: 5 } }\nspec: { containers: [{name: c}] }\n"), /document 1 \(Pod "a"\): metadata\.annotations\["epc-limit\.nri\.io"\]: expected a string value/);
  assert.throws(() => podsOf("kind: Pod\nmetadata: { name: a }\nspec: { containers: [{name: c}]\n"), /pods\.yaml:\d+:\d+: document 1: not valid YAML/);
  assert.throws(() => podsOf("metadata: { name: a }\n"), /document 1 \(object "a"\): kind: expected the object's kind/);
});

test("NRI: misc.max comes from container.<name>, then pod, then the bare key; 0 writes nothing; a bad value fails CreateContainer", () => {
  const all = { "epc-limit.nri.io/container.app": "1048576", "epc-limit.nri.io/pod": "2097152", "epc-limit.nri.io": "4194304" };
  assert.deepEqual(nriEpcLimit(all, "app"), { kind: "limit", bytes: 1048576n, annotation: "epc-limit.nri.io/container.app" });
  assert.deepEqual(nriEpcLimit(all, "sidecar"), { kind: "limit", bytes: 2097152n, annotation: "epc-limit.nri.io/pod" });
  assert.deepEqual(nriEpcLimit({ "epc-limit.nri.io": "4194304" }, "app"), { kind: "limit", bytes: 4194304n, annotation: "epc-limit.nri.io" });
  assert.deepEqual(nriEpcLimit({}, "app"), { kind: "none" });
  assert.deepEqual(nriEpcLimit({ "epc-limit.nri.io/pod": "0" }, "app"), { kind: "none" });
  // strconv.ParseUint(value, 10, 64): no units, no sign, no hex; and the first key present decides
  for (const bad of ["32Mi", "-1", "0x1000", " 5", "18446744073709551616"]) {
    assert.deepEqual(nriEpcLimit({ "epc-limit.nri.io/container.app": bad, "epc-limit.nri.io/pod": "1" }, "app"), { kind: "error", annotation: "epc-limit.nri.io/container.app", value: bad });
  }
});

test("QoS: Guaranteed needs cpu and memory limits equal to requests in every container; none at all is BestEffort", () => {
  const qos = (containers: [string, string][]): string => qosClass(podOf(podYaml("p", containers)));
  assert.equal(qos([["a", "{ limits: { cpu: '1', memory: 1Gi } }"]]), "Guaranteed");
  assert.equal(qos([["a", "{ requests: { cpu: 1000m, memory: 1Gi }, limits: { cpu: '1', memory: 1024Mi } }"]]), "Guaranteed", "equal quantities in other spellings");
  assert.equal(qos([["a", "{ limits: { cpu: '1', memory: 1Gi } }"], ["b", "{ limits: { cpu: '1' } }"]]), "Burstable");
  assert.equal(qos([["a", "{ requests: { cpu: 500m }, limits: { cpu: '1', memory: 1Gi } }"]]), "Burstable");
  assert.equal(qos([["a", "{ limits: { sgx.intel.com/epc: 32Mi } }"]]), "BestEffort", "extended resources do not count");
  assert.equal(qos([["a", "{}"]]), "BestEffort");
});

test("cgroup paths: the systemd driver's slices, Guaranteed pods directly under kubepods.slice, the uid's dashes escaped", () => {
  const uid = "1b5a8c4e-7f3d-4a8e-9c1b-2d3e4f5a6b7c";
  assert.equal(podSlice("Burstable", uid), "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b5a8c4e_7f3d_4a8e_9c1b_2d3e4f5a6b7c.slice");
  assert.equal(podSlice("BestEffort", uid), "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b5a8c4e_7f3d_4a8e_9c1b_2d3e4f5a6b7c.slice");
  assert.equal(podSlice("Guaranteed", uid), "/kubepods.slice/kubepods-pod1b5a8c4e_7f3d_4a8e_9c1b_2d3e4f5a6b7c.slice");
  assert.equal(containerScope(podSlice("Burstable", uid), "ab".repeat(32)), `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b5a8c4e_7f3d_4a8e_9c1b_2d3e4f5a6b7c.slice/cri-containerd-${"ab".repeat(32)}.scope`);
});

test("webhook: a pod exported from a cluster, already mutated, comes out the same (the mutation is idempotent)", () => {
  const pod = podOf(
    podYaml("p", [["a", "{ requests: { sgx.intel.com/enclave: '1', sgx.intel.com/epc: 32Mi }, limits: { sgx.intel.com/enclave: '1', sgx.intel.com/epc: 32Mi } }"]]).replace(
      "metadata: { name: p }",
      "metadata: { name: p, annotations: { sgx.intel.com/epc: 32Mi } }",
    ),
  );
  mutateSgxPod(pod);
  assert.equal(pod.annotations[EPC], "32Mi");
  assert.deepEqual([...(pod.containers[0]?.resources.requests.keys() ?? [])].sort(), [ENCLAVE, EPC]);
  assert.equal(pod.containers[0]?.resources.limits.get(ENCLAVE)?.text, "1");
});
