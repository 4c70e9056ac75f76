// `epcsim sweep GRID --emit-k8s-job`: a Kubernetes Indexed Job that runs the grid's shards, one pod
// per completion index, with no broker: shard i of N is a pure function of the grid (variants.ts).
// A ConfigMap beside it carries the grid and its base scenario, so the manifest is all a cluster needs
// besides an image with epcsim in it and a volume for the results.
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { parseDocument, stringify } from "yaml";
import { GridError } from "./errors.js";
import type { Grid } from "./grid.js";

export interface K8sJobOptions {
  shards: number;
  image: string;
  /** where the pods write: DIR/shard-I */
  out: string;
  /** the PersistentVolumeClaim mounted at `out` */
  claim: string;
}

/** the grid as the ConfigMap holds it: its base beside it */
function gridText(text: string, baseKey: string): string {
  const doc = parseDocument(text);
  doc.set("base", baseKey);
  return doc.toString();
}

export function k8sJobManifest(grid: Grid, options: K8sJobOptions): string {
  if (grid.node !== null) throw new GridError(`${grid.file}: node: --emit-k8s-job carries the grid and a base scenario in its ConfigMap, not a node and a pods file; expected a grid with base (write the node's scenario with epcsim node --out, or sweep it with --queue).`);
  const text = grid.text;
  const hash = createHash("sha256").update(text).update("\0").update(grid.baseText).digest("hex").slice(0, 10);
  const name = `epcsim-sweep-${hash}`;
  // the grid keeps its file name (sweep.html's title has it), and its base sits beside it
  const gridKey = basename(grid.file);
  const baseKey = basename(grid.basePath) === gridKey ? `base-${gridKey}` : basename(grid.basePath);
  const n = options.shards;
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { "app.kubernetes.io/name": "epcsim", "app.kubernetes.io/component": "sweep" } },
    data: { [gridKey]: gridText(text, baseKey), [baseKey]: grid.baseText },
  };
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { "app.kubernetes.io/name": "epcsim", "app.kubernetes.io/component": "sweep" } },
    spec: {
      completionMode: "Indexed",
      completions: n,
      parallelism: n,
      // a pod that fails is retried alone; a rerun of a shard skips the variants its journal has
      backoffLimitPerIndex: 3,
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "epcsim", "app.kubernetes.io/component": "sweep" } },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "epcsim",
              image: options.image,
              command: ["sh", "-c", `exec epcsim sweep /grid/${gridKey} --shard "$JOB_COMPLETION_INDEX/${n}" --out "${options.out}/shard-$JOB_COMPLETION_INDEX" --quiet`],
              volumeMounts: [
                { name: "grid", mountPath: "/grid", readOnly: true },
                { name: "results", mountPath: options.out },
              ],
            },
          ],
          volumes: [
            { name: "grid", configMap: { name } },
            { name: "results", persistentVolumeClaim: { claimName: options.claim } },
          ],
        },
      },
    },
  };
  const merge = `epcsim sweep --merge ${Array.from({ length: Math.min(n, 3) }, (_, i) => `${options.out}/shard-${i}`).join(" ")}${n > 3 ? " ..." : ""} --out ${options.out}/merged`;
  return `# epcsim sweep ${basename(grid.file)}: ${n} shards as a Kubernetes Indexed Job (kubectl apply -f -).\n# When it completes: ${merge}\n---\n${stringify(configMap, { lineWidth: 0 })}---\n${stringify(job, { lineWidth: 0 })}`;
}
