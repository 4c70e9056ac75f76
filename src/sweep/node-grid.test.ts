import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { parseGrid } from "./grid.js";
import { expandGrid } from "./variants.js";
import { GridError } from "./errors.js";
import { k8sJobManifest } from "./k8s-job.js";

// a grid file beside the Kubernetes example (it need not exist: its folder resolves node and pods)
const gridFile = fileURLToPath(new URL("../../../examples/k8s/grid.yaml", import.meta.url));

test("a node grid's variants are the scenarios epcsim node runs, kernel and seed from the axes, other fields set on them", () => {
  const g = parseGrid("node: node.yaml\npods: pods.yaml\naxes:\n  - path: kernel\n    values: [mainline, v17]\n  - path: machine.cpus\n    values: [4]\n", gridFile);
  assert.ok(g.node !== null && g.node.pods.endsWith("/examples/k8s/pods.yaml"));
  const v = expandGrid(g);
  assert.equal(v.length, 2);
  const docs = v.map((x) => parseYaml(x.text) as { kernel: string; machine: { cpus: number }; cgroups: Record<string, Record<string, string>> });
  assert.deepEqual(docs.map((d) => d.kernel), ["mainline", "v17"]);
  assert.deepEqual(docs.map((d) => d.machine.cpus), [4, 4]);
  // the NRI plugin's misc.max writes exist only where the kernel has the sgx_epc resource
  const limits = (d: (typeof docs)[number]): string[] => Object.values(d.cgroups ?? {}).flatMap((c) => (c["misc.max"] === undefined ? [] : [c["misc.max"]]));
  assert.ok(limits(docs[1] as (typeof docs)[number]).includes("sgx_epc 16777216"), JSON.stringify(docs[1]?.cgroups));
  assert.notEqual(v[0]?.id, v[1]?.id);
});

test("a grid names either base or node and pods; --emit-k8s-job refuses a node grid", () => {
  const both = (): unknown => parseGrid("base: x.yaml\nnode: node.yaml\npods: pods.yaml\naxes: []\n", gridFile);
  assert.throws(both, (e: unknown) => e instanceof GridError && /base: expected either base or node and pods/.test(e.message));
  const noPods = (): unknown => parseGrid("node: node.yaml\naxes: []\n", gridFile);
  assert.throws(noPods, (e: unknown) => e instanceof GridError && /pods: expected the pods file/.test(e.message));
  const g = parseGrid("node: node.yaml\npods: pods.yaml\naxes:\n  - seeds: 2\n", gridFile);
  assert.throws(() => k8sJobManifest(g, { shards: 2, image: "x", out: "/out", claim: null } as never), (e: unknown) => e instanceof GridError && /not a node and a pods file/.test(e.message));
});
