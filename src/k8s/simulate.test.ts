import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restartTimes } from "./simulate.js";
import { runNode } from "./node-scenario.js";
import { podPhase } from "./result.js";

const S = 1_000_000_000;

test("back-off: the first restart is immediate, then 10 s doubling to 5 min; a container that ran 10 min starts over", () => {
  // each instance dies 1 s after it starts
  const ends: number[] = [];
  let start = 0;
  const starts: number[] = [];
  for (let i = 0; i < 9; i++) {
    ends.push(start + S);
    start = restartTimes(ends).at(-1) as number;
    starts.push(start);
  }
  const waits = starts.map((s, i) => (s - (ends[i] as number)) / S);
  assert.deepEqual(waits, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
  // a restart whose container then runs for more than 10 minutes is forgotten: the next one is immediate again
  assert.deepEqual(restartTimes([S, S + 11 * 60 * S]).map((t) => t / S), [1, 661]);
});

function files(pods: string): { node: string; pods: string } {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-node-"));
  writeFileSync(join(dir, "pods.yaml"), pods);
  return { node: "client-128m", pods: join(dir, "pods.yaml") };
}

test("restarts: a container that keeps failing is restarted with the back-off and ends in CrashLoopBackOff over a long run", () => {
  const pods = `kind: Pod
metadata:
  name: crash
  annotations:
    epcsim.io/workload.app: "{steps: [{create: {size: 8KiB}}, {exit: 3}]}"
spec:
  containers: [{ name: app, resources: { limits: { sgx.intel.com/epc: 1Mi } } }]
---
kind: Pod
metadata: { name: never, annotations: { epcsim.io/workload.app: "{steps: [{exit: 1}]}" } }
spec:
  restartPolicy: Never
  containers: [{ name: app }]
`;
  const { result } = runNode({ ...files(pods), untilNs: 600 * S, kernel: "v17" });
  const crash = result.pods[0]?.containers[0];
  assert.ok(crash !== undefined);
  assert.equal(crash.restarts, 6, "restarts at about 0, 10, 30, 70, 150 and 310 s; the next would be at 610 s");
  assert.equal(crash.state, "CrashLoopBackOff");
  const starts = crash.instances.map((i) => Math.round(i.startNs / S));
  assert.deepEqual(starts, [0, 0, 10, 30, 70, 150, 310]);
  assert.ok(crash.instances.every((i) => i.exitCode === 3 && i.failure === "exit 3"));
  assert.notEqual(crash.instances[0]?.cgroup, crash.instances[1]?.cgroup, "each instance is a new container in a new scope");
  const never = result.pods[1]?.containers[0];
  assert.equal(never?.restarts, 0);
  assert.equal(never?.state, "Error");
});

test("a VM runtime class: the pod is a guest whose vEPC is the pod's EPC sum, pre-allocated", () => {
  const pods = `kind: Pod
metadata: { name: vm }
spec:
  runtimeClassName: kata-qemu-sgx
  containers:
    - { name: a, resources: { limits: { sgx.intel.com/epc: 8Mi } } }
    - { name: b, resources: { limits: { sgx.intel.com/epc: 4Mi } } }
`;
  const { result, sim } = runNode({ ...files(pods), untilNs: S / 10 });
  const vm = result.pods[0]?.vm;
  assert.equal(vm?.vepcBytes, 12 * 1048576);
  assert.equal(vm?.epcPeak, 12 * 1048576, "every vEPC page faulted in");
  assert.deepEqual(sim.summary.processes.map((p) => p.name), ["vm.vm"]);
  assert.equal(sim.summary.counters.vepcFaults, 3072);
});

test("NRI: a limit annotation that does not parse fails CreateContainer; a good one limits the container's scope under v17", () => {
  const pods = `kind: Pod
metadata: { name: bad, annotations: { epc-limit.nri.io/pod: 16Mi } }
spec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 4Mi } } }] }
---
kind: Pod
metadata:
  name: good
  annotations:
    epc-limit.nri.io/container.c: "1048576"
    epc-limit.nri.io/pod: "8388608"
    epcsim.io/workload.c: "{enclave: {size: 4MiB, measure: false}, access: {pattern: uniform, pages: 4000KiB, count: 5000}}"
spec: { restartPolicy: Never, containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 4Mi } } }] }
`;
  const { result, sim } = runNode({ ...files(pods), untilNs: S, kernel: "v17" });
  const bad = result.pods[0]?.containers[0];
  assert.equal(bad?.state, "CreateContainerError");
  assert.match(bad?.createError ?? "", /epc-limit\.nri\.io\/pod: "16Mi" is not a base-10 uint64/);
  const good = result.pods[1]?.containers[0];
  assert.equal(good?.miscMax, 1048576, "the container's own annotation wins over the pod's");
  assert.ok(good !== undefined && good.epcUsed.peak <= 1048576 && good.paging.ewbPages > 0, "it pages inside 1 MiB");
  assert.equal(sim.summary.cgroups[good?.cgroup ?? ""]?.max, 1048576);
  assert.deepEqual(sim.summary.processes.map((p) => p.name), ["good.c"], "the bad pod's container never ran");
});

test("failures are named by their cause: ENOMEM from an ioctl, SIGBUS from a fault, memcg OOM, the v5 OOM path", () => {
  // one container per pod: [name, NRI limit, workload (or the default), limits]
  const pod = (name: string, limit: number, workload: string | null, limits: string): string =>
    `kind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    epc-limit.nri.io/pod: "${limit}"\n${workload === null ? "" : `    epcsim.io/workload.c: "${workload}"\n`}` +
    `spec: { restartPolicy: Never, containers: [{ name: c, resources: { limits: { ${limits} } } }] }\n`;
  const pods = [
    pod("addpages", 12288, null, "sgx.intel.com/epc: 4Mi"),
    pod("grow", 65536, "{enclave: {size: 1MiB, add: 8KiB}, access: {phases: [{grow: 512KiB}]}}", "sgx.intel.com/epc: 4Mi"),
    pod("mem", 1048576, "{enclave: {size: 8MiB, add: 4MiB, measure: false}, access: {pattern: uniform, pages: 4000KiB, count: 20000}}", "sgx.intel.com/epc: 4Mi, memory: 1Mi"),
  ].join("---\n");
  const failures = (kernel: string): (string | null)[] => runNode({ ...files(pods), untilNs: S, kernel }).result.pods.map((p) => p.containers[0]?.instances[0]?.failure ?? null);
  // the third swaps its EPC out into a backing store charged to its memory.max of 1 MiB
  assert.deepEqual(failures("v17"), ["ENOMEM", "SIGBUS", "memcg OOM"]);
  assert.deepEqual(failures("v5"), ["v5 OOM", "SIGBUS", "memcg OOM"]);
  assert.deepEqual(failures("mainline"), [null, null, null], "no EPC limit on mainline, and so nothing swapped out on this roomy node");
});

test("a trace file as the workload: replayed in an enclave sized for its pages, relative to the pods file", () => {
  const { pods } = files(`kind: Pod
metadata: { name: cache, annotations: { epcsim.io/workload.c: pages.txt } }
spec: { restartPolicy: Never, containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 1Mi } } }] }
`);
  writeFileSync(join(pods, "..", "pages.txt"), `${Array.from({ length: 300 }, (_, i) => String(i % 100)).join("\n")}\n`);
  const { result, sim } = runNode({ node: "client-128m", pods, untilNs: S });
  const c = result.pods[0]?.containers[0];
  assert.equal(c?.workload, "trace");
  assert.equal(c?.state, "Completed");
  assert.deepEqual(sim.summary.processes[0]?.replay, { tenant: "", trace: join(pods, "..", "pages.txt"), requests: 300, misses: 0, missRatio: 0 });
});

test("a csv trace with tenants as the workload: the whole file in one enclave, its tenant column read past", () => {
  const { pods } = files(`kind: Pod
metadata: { name: kv, annotations: { epcsim.io/workload.c: kv.csv } }
spec: { restartPolicy: Never, containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 1Mi } } }] }
`);
  // tenant a alone has one page, the whole file three: the enclave is sized for three
  writeFileSync(join(pods, "..", "kv.csv"), "tenant,page\na,1\nb,2\nb,3\n");
  const { sim } = runNode({ node: "client-128m", pods, untilNs: S });
  const p = sim.summary.processes[0];
  assert.equal(p?.exitCode, 0);
  assert.deepEqual(p?.replay, { tenant: "", trace: join(pods, "..", "kv.csv"), requests: 3, misses: 0, missRatio: 0 });
});

test("the pod's phase from its containers' states, as the kubelet's getPhase() gives it", () => {
  assert.equal(podPhase(["Completed", "Completed"]), "Succeeded");
  assert.equal(podPhase(["Completed", "Error"]), "Failed");
  assert.equal(podPhase(["Completed", "CrashLoopBackOff"]), "Running", "a container waiting to restart still runs the pod");
  assert.equal(podPhase(["Running", "CreateContainerError"]), "Pending", "a container never created keeps the pod Pending");
});
