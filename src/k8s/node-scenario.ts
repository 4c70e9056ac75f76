// The entry point of the k8s layer: a node and a pods file to a plan and a scenario, and a whole
// node run (the node with every scheduled pod, then each scheduled pod alone for its slowdown).
// `nodeToScenario()` is what other commands (sweep, advise) take a node file through.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Scenario } from "../scenario/types.js";
import { ManifestError, readManifests, where } from "./manifest.js";
import { NODE_FIELDS, nodeFromManifest, nodeFromProfile, type NodeModel } from "./node.js";
import { planNode, readPods, type NodePlan, type PlannedPod } from "./plan.js";
import { loadNodeDocument, nodeDocument, type Kernel, type NodeRunOptions } from "./to-scenario.js";
import { simulateNode, type NodeSim, type SimulateHooks } from "./simulate.js";
import { nodeResult, type NodeResult } from "./result.js";
import { UnknownFields } from "./manifest.js";

export interface NodeInput {
  /** a Node manifest file, or a profile name (epcsim profiles) */
  node: string;
  pods: string;
  kernel?: string;
  /** default 10 s */
  untilNs?: number;
  seed?: number;
  /** for a profile node */
  cpus?: string;
  memory?: string;
  onWarning?: (message: string) => void;
}

export const DEFAULT_UNTIL_NS = 10_000_000_000;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ManifestError(`${file}: cannot read the ${what}: ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message}.`);
  }
}

/** the node: a Node manifest (a file holding one Node, or a List with one) or a profile name */
export function readNode(arg: string, cpus: string | undefined, memory: string | undefined, warn: (m: string) => void): NodeModel {
  if (!existsSync(arg)) return nodeFromProfile(arg, cpus, memory);
  if (cpus !== undefined || memory !== undefined) throw new ManifestError(`--cpus and --memory go with a profile name; ${arg} is a Node manifest, whose capacity says them.`);
  const nodes = readManifests(arg, readText(arg, "node file"));
  const m = nodes[0];
  if (m === undefined) throw new ManifestError(`${arg}: expected a Node (kubectl get node NAME -o yaml), and the file has no object.`);
  if (m.kind !== "Node") throw new ManifestError(`${where(m)}: expected a Node (kubectl get node NAME -o yaml), got a ${m.kind}`);
  if (nodes.length > 1) warn(`${arg}: ${nodes.length} objects in the node file: the first one is the node, the rest are ignored`);
  new UnknownFields(warn).check(m, NODE_FIELDS);
  return nodeFromManifest(m, warn);
}

function runOptions(input: NodeInput): NodeRunOptions {
  const kernel = input.kernel ?? "mainline";
  if (kernel !== "mainline" && kernel !== "v17" && kernel !== "v5") throw new ManifestError(`--kernel: expected mainline, v17 or v5, got "${kernel}".`);
  return { kernel: kernel as Kernel, untilNs: input.untilNs ?? DEFAULT_UNTIL_NS, seed: input.seed ?? 1 };
}

/** reads the node and the pods and plans them: admission, the webhook, scheduling, the cgroup layout */
export function readNodePlan(input: NodeInput): { plan: NodePlan; options: NodeRunOptions } {
  const warn = input.onWarning ?? (() => undefined);
  const options = runOptions(input);
  const node = readNode(input.node, input.cpus, input.memory, warn);
  const pods = readPods(input.pods, readText(input.pods, "pods file"), warn);
  return { plan: planNode(node, pods, options.untilNs, warn), options };
}

export function nodeLabel(input: NodeInput): string {
  return `node ${input.node} ${input.pods}`;
}

/**
 * the node with its scheduled pods as one scenario (no restarts: those need the runs that
 * `runNode()` makes), as text and loaded, with the plan it came from
 */
export function nodeToScenario(input: NodeInput): { text: string; scenario: Scenario; plan: NodePlan; options: NodeRunOptions } {
  const { plan, options } = readNodePlan(input);
  const built = nodeDocument(plan, options);
  const { scenario, text } = loadNodeDocument(nodeLabel(input), built, dirname(resolve(input.pods)), input.onWarning);
  return { text, scenario, plan, options };
}

/**
 * the node's scenario with the kubelet's restarts settled (the one `epcsim node` reports on), for
 * `compare --node`: its text and the loaded scenario
 */
export function settledNodeScenario(input: NodeInput, set?: Record<string, string>): { text: string; scenario: Scenario } {
  const { plan, options } = readNodePlan(input);
  const sim = simulateNode(plan, options, nodeLabel(input), dirname(resolve(input.pods)), null, { ...(set === undefined ? {} : { set }), ...(input.onWarning === undefined ? {} : { onWarning: input.onWarning }) });
  return { text: sim.text, scenario: sim.scenario };
}

/** the whole node run: every scheduled pod together (with restarts), then each one alone */
export function runNode(input: NodeInput, hooks: SimulateHooks = {}): { result: NodeResult; sim: NodeSim; plan: NodePlan } {
  const { plan, options } = readNodePlan(input);
  const label = nodeLabel(input);
  const baseDir = dirname(resolve(input.pods));
  const sim = simulateNode(plan, options, label, baseDir, null, { ...hooks, ...(input.onWarning === undefined ? {} : { onWarning: input.onWarning }) });
  const alone = new Map<PlannedPod, NodeSim>();
  const { observer: _o, ...quiet } = hooks;
  for (const p of plan.pods) if (p.verdict.scheduled) alone.set(p, simulateNode(plan, options, `${label} (${p.pod.name} alone)`, baseDir, p, quiet));
  return { result: nodeResult(plan, options, sim, alone), sim, plan };
}
