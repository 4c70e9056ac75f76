// The Job manifest of `sweep --emit-k8s-job` is held by a golden file (test/k8s/node-limits.job.yaml);
// after a deliberate change, rewrite it with
//   node dist/src/cli/main.js sweep examples/sweeps/node-limits.yaml --emit-k8s-job --shards 3 > test/k8s/node-limits.job.yaml
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { loadGrid, parseGrid } from "./grid.js";
import { k8sJobManifest } from "./k8s-job.js";
import { expandGrid } from "./variants.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const options = { shards: 3, image: "epcsim:latest", out: "/results", claim: "epcsim-results" };

test("the Indexed Job manifest for examples/sweeps/node-limits.yaml is the golden one", () => {
  process.chdir(root);
  const text = k8sJobManifest(loadGrid("examples/sweeps/node-limits.yaml"), options);
  assert.equal(text, readFileSync(join(root, "test/k8s/node-limits.job.yaml"), "utf8"));
});

test("the Job: Indexed, completions = shards, each pod running its shard; the ConfigMap's grid expands to the same variants", () => {
  process.chdir(root);
  const grid = loadGrid("examples/sweeps/node-limits.yaml");
  const docs = parseAllDocuments(k8sJobManifest(grid, options)).map((d) => d.toJS() as Record<string, any>);
  const [configMap, job] = docs;
  assert.equal(job?.kind, "Job");
  assert.equal(job?.spec.completionMode, "Indexed");
  assert.equal(job?.spec.completions, 3);
  const command = job?.spec.template.spec.containers[0].command as string[];
  assert.match(command.join(" "), /epcsim sweep \/grid\/node-limits\.yaml --shard "\$JOB_COMPLETION_INDEX\/3" --out "\/results\/shard-\$JOB_COMPLETION_INDEX"/);
  // what the pods read is the grid itself: the same variants, the same ids
  const data = configMap?.data as Record<string, string>;
  const inPod = parseGrid(data["node-limits.yaml"] as string, "/grid/node-limits.yaml", (p) => data[p.slice("/grid/".length)] as string);
  assert.deepEqual(
    expandGrid(inPod).map((v) => v.id),
    expandGrid(grid).map((v) => v.id),
  );
});
