import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "../k8s/node-scenario.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const main = join(root, "dist", "src", "cli", "main.js");
const NODE = join(root, "examples", "k8s", "node.yaml");
const PODS = join(root, "examples", "k8s", "pods.yaml");

function epcsim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [main, ...args, "--quiet"], { encoding: "utf8" });
}

function tmp(name: string, text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), "epcsim-node-")), name);
  writeFileSync(f, text);
  return f;
}

test("examples/k8s: on mainline every pod pages; with the EPC cgroup (v17) only the pod over its request does", () => {
  const eldu = (kernel: string): Record<string, number> => {
    const { result } = runNode({ node: NODE, pods: PODS, kernel });
    assert.ok(result.pods.every((p) => p.scheduled), "all three fit the node's allocatable EPC");
    return Object.fromEntries(result.pods.map((p) => [p.name, p.containers[0]?.paging.eldu ?? -1]));
  };
  const mainline = eldu("mainline");
  assert.ok(Object.values(mainline).every((n) => n > 1000), `every pod pages on mainline: ${JSON.stringify(mainline)}`);
  const v17 = eldu("v17");
  assert.equal(v17.web, 0);
  assert.equal(v17.kv, 0);
  assert.ok((v17.batch ?? 0) > 1000, `batch pages inside its limit: ${JSON.stringify(v17)}`);
});

test("epcsim node: a pod that does not fit is Pending with the scheduler's reason; the default workload stays within its request", () => {
  const pods = tmp(
    "pods.yaml",
    `kind: Pod
metadata: { name: small }
spec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 8Mi } } }] }
---
kind: Pod
metadata: { name: huge }
spec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 1Gi } } }] }
`,
  );
  const r = epcsim("node", "client-128m", pods, "--until", "200ms", "--json");
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { pods: { name: string; status: string; message: string | null; containers: { epcUsed: { peak: number }; epcRequest: number; workload: string }[] }[] };
  const huge = result.pods.find((p) => p.name === "huge");
  assert.equal(huge?.status, "Pending: Insufficient sgx.intel.com/epc");
  assert.equal(huge?.message, "0/1 nodes are available: 1 Insufficient sgx.intel.com/epc.");
  const c = result.pods.find((p) => p.name === "small")?.containers[0];
  assert.equal(c?.workload, "default");
  assert.ok(c !== undefined && c.epcUsed.peak <= c.epcRequest && c.epcUsed.peak > c.epcRequest - 3 * 4096, `peak ${c?.epcUsed.peak} of ${c?.epcRequest}`);
  const text = epcsim("node", "client-128m", pods, "--until", "200ms");
  assert.match(text.stdout, /huge\s+BestEffort\s+Pending: Insufficient sgx\.intel\.com\/epc/);
  assert.match(text.stdout, /huge: FailedScheduling: 0\/1 nodes are available: 1 Insufficient sgx\.intel\.com\/epc\./);
});

test("epcsim node: bad manifests exit 2 with one line naming the document and the field, never a stack trace", () => {
  const cases: [string, RegExp][] = [
    ["kind: Pod\nmetadata: { name: ok }\nspec: { containers: [{ name: c }] }\n---\nkind: Pod\nmetadata: { name: bad }\nspec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 32MB } } }] }\n",
      /pods\.yaml: document 2 \(Pod "bad"\): spec\.containers\[0\]\.resources\.limits\["sgx\.intel\.com\/epc"\]: expected a Kubernetes quantity/],
    ["kind: Pod\nmetadata: { name: w, annotations: { epcsim.io/workload.c: '{enclave: {size: 3lemons}}' } }\nspec: { containers: [{ name: c }] }\n",
      /pods\.yaml: document 1 \(Pod "w"\): metadata\.annotations\["epcsim\.io\/workload\.c"\]: program\.enclave\.size: /],
    ["kind: Pod\nmetadata: { name: t, annotations: { epcsim.io/workload.c: no-such-trace.csv } }\nspec: { containers: [{ name: c }] }\n",
      /pods\.yaml: document 1 \(Pod "t"\): metadata\.annotations\["epcsim\.io\/workload\.c"\]: .*no-such-trace\.csv/],
    ["kind: Pod\nmetadata: { name: x }\nspec: { containers: [{ name: c }, { name: c }] }\n", /document 1 \(Pod "x"\): spec\.containers\[1\]\.name: Duplicate value: "c"/],
    ["- just a list\n", /document 1 \(object\): expected a Kubernetes object/],
  ];
  for (const [text, message] of cases) {
    const r = epcsim("node", "client-128m", tmp("pods.yaml", text));
    assert.equal(r.status, 2, `${text}\n${r.stderr}`);
    const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("epcsim: warning:"));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? "", message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const node = epcsim("node", tmp("node.yaml", "kind: Node\nmetadata: { name: n }\nstatus: { capacity: { cpu: '4' } }\n"), tmp("pods.yaml", "kind: Pod\nmetadata: { name: a }\nspec: { containers: [{ name: c }] }\n"));
  assert.equal(node.status, 2);
  assert.match(node.stderr, /node\.yaml: document 1 \(Node "n"\): status\.capacity: expected sgx\.intel\.com\/epc \(bytes\) or kubernetes\.azure\.com\/sgx_epc_mem_in_MiB/);
  const profile = epcsim("node", "no-such-profile", tmp("pods.yaml", "kind: Pod\nmetadata: { name: a }\nspec: { containers: [{ name: c }] }\n"));
  assert.equal(profile.status, 2);
  assert.match(profile.stderr, /no-such-profile: expected a Node manifest file or a profile/);
});

test("epcsim node --out: the node run's files, node.json and the node's EPC over time by pod", () => {
  const pods = tmp("pods.yaml", "kind: Pod\nmetadata: { name: a }\nspec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 4Mi } } }] }\n---\nkind: Pod\nmetadata: { name: b, namespace: team }\nspec: { containers: [{ name: c, resources: { limits: { sgx.intel.com/epc: 2Mi } } }] }\n");
  const out = join(mkdtempSync(join(tmpdir(), "epcsim-node-out-")), "o");
  const r = epcsim("node", "client-128m", pods, "--until", "50ms", "--out", out);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ["summary.json", "timeseries.csv", "events.jsonl", "trace.json", "report.html", "node.json", "pod-epc.csv", "node.html"]) assert.ok(existsSync(join(out, f)), f);
  const html = readFileSync(join(out, "node.html"), "utf8");
  assert.match(html, /<svg[\s\S]*The node's EPC by pod[\s\S]*<\/svg>/);
  assert.doesNotMatch(html, /https?:\/\//, "offline: no URL in the page");
  const csv = readFileSync(join(out, "pod-epc.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "time_ns,a_epc_bytes,team.b_epc_bytes");
  const last = (csv.at(-1) ?? "").split(",").map(Number);
  assert.ok((last[1] ?? 0) > 3 * 1048576 && (last[2] ?? 0) > 1048576, csv.at(-1));
});

test("compare --node: pods files on a node, one variant per kernel, as epcsim node runs them", () => {
  const r = epcsim("compare", "--node", NODE, PODS, "--kernel", "mainline,v17", "--json");
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { variants: { label: string; summary: { kernel: string; processes: { name: string; paging: { eldu: number } }[] } }[] };
  assert.deepEqual(doc.variants.map((v) => [v.label, v.summary.kernel]), [["mainline", "mainline"], ["v17", "v17"]]);
  const eldu = (i: number, name: string): number => doc.variants[i]?.summary.processes.find((p) => p.name === name)?.paging.eldu ?? -1;
  assert.ok(eldu(0, "web.app") > 0 && eldu(1, "web.app") === 0, "web pages on mainline only");
  assert.ok(eldu(1, "batch.worker") > 0);
});
