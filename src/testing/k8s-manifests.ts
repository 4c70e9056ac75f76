// Pods and nodes from YAML text, for the k8s tests.
import { readManifests } from "../k8s/manifest.js";
import { nodeFromManifest, type NodeModel } from "../k8s/node.js";
import { readPods } from "../k8s/plan.js";
import type { Pod } from "../k8s/pod.js";

export function podsOf(text: string, warnings: string[] = []): Pod[] {
  return readPods("pods.yaml", text, (m) => warnings.push(m));
}

export function podOf(text: string): Pod {
  const p = podsOf(text)[0];
  if (p === undefined) throw new Error("no pod in the text");
  return p;
}

export function nodeOf(allocatable: Record<string, string>, extra = ""): NodeModel {
  const lines = Object.entries(allocatable).map(([k, v]) => `    ${k}: "${v}"`).join("\n");
  const text = `kind: Node\nmetadata: { name: n1 }\n${extra}status:\n  capacity:\n${lines}\n  allocatable:\n${lines}\n`;
  const m = readManifests("node.yaml", text)[0];
  if (m === undefined) throw new Error("no node");
  return nodeFromManifest(m, () => undefined);
}

/** a pod manifest with one container per entry: [name, resources YAML flow mapping] */
export function podYaml(name: string, containers: [string, string][], more = ""): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n${more}  containers:\n${containers.map(([c, r]) => `    - { name: ${c}, resources: ${r} }`).join("\n")}\n`;
}
