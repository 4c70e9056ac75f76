// A node plan as a scenario document: the node's machine, the pods' cgroup tree (the systemd
// slices, each container's scope with the NRI plugin's misc.max and the memory limit's memory.max),
// one process per container instance (a restarted container is a new instance, in a new scope made
// and limited by events 1 ns before its restart time), a guest per VM pod. The document goes through the scenario loader like a
// file would, so a node run is Kubernetes manifests lowered into a scenario.
import { stringify } from "yaml";
import type { Trace } from "../trace/trace.js";
import { parseScenarioText } from "../scenario/load.js";
import type { Scenario } from "../scenario/types.js";
import { containerId, scopeOf, type NodePlan, type PlannedContainer, type PlannedPod } from "./plan.js";
import { containerScope } from "./qos.js";

export type Kernel = "mainline" | "v17" | "v5";

export interface NodeRunOptions {
  kernel: Kernel;
  untilNs: number;
  seed: number;
}

/** one simulated process: a container's instance (0 the first, n after n restarts) or a VM pod's guest */
export interface Instance {
  pod: PlannedPod;
  /** null for the guest of a VM pod */
  container: PlannedContainer | null;
  instance: number;
  startNs: number;
  process: string;
  cgroup: string;
}

/** "<pod>" in the default namespace, else "<namespace>.<pod>" */
export function podLabel(p: PlannedPod): string {
  return p.pod.namespace === "default" ? p.pod.name : `${p.pod.namespace}.${p.pod.name}`;
}

export function instanceName(p: PlannedPod, container: string, instance: number): string {
  return `${podLabel(p)}.${container}${instance === 0 ? "" : `.restart-${instance}`}`;
}

/** the key of a container's restart chain */
export function chainKey(p: PlannedPod, container: string): string {
  return `${p.pod.namespace}/${p.pod.name}/${container}`;
}

const SUBTREE = { "cgroup.subtree_control": "+misc +memory" };

/**
 * the scenario document of `plan` under `opts`; `restarts` gives, per chain, the start times of
 * instances 1, 2, ...; `only` runs that pod alone on the node (the baseline of its slowdown)
 */
export function nodeDocument(plan: NodePlan, opts: NodeRunOptions, restarts: ReadonlyMap<string, readonly number[]> = new Map(), only: PlannedPod | null = null): { doc: Record<string, unknown>; instances: Instance[]; traces: Map<string, Trace> } {
  const cgroups: Record<string, Record<string, string>> = { "/kubepods.slice": { ...SUBTREE } };
  const processes: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const instances: Instance[] = [];
  const traces = new Map<string, Trace>();
  const until = `${opts.untilNs}ns`;
  for (const p of plan.pods) {
    if (!p.verdict.scheduled || (only !== null && p !== only)) continue;
    const parent = p.slice.slice(0, p.slice.lastIndexOf("/"));
    if (parent !== "/kubepods.slice") cgroups[parent] = { ...SUBTREE };
    const sliceFiles: Record<string, string> = { ...SUBTREE };
    // the kubelet limits the pod's slice to the sum of its containers' limits when every one has one
    if (!p.vm && p.containers.every((c) => c.memoryLimit !== null)) sliceFiles["memory.max"] = String(p.containers.reduce((n, c) => n + (c.memoryLimit ?? 0), 0));
    cgroups[p.slice] = sliceFiles;
    if (p.vm) {
      // the containers run inside the guest: the host sees one VM whose vEPC section is the pod's EPC sum, pre-allocated
      if (p.epcSum === 0) continue;
      const cgroup = containerScope(p.slice, containerId(p.uid, "sandbox", 0));
      cgroups[cgroup] = {};
      const name = `${podLabel(p)}.vm`;
      processes.push({ name, cgroup, program: { vm: { epc: p.epcSum - (p.epcSum % 4096), touch: "all", hold: until } } });
      instances.push({ pod: p, container: null, instance: 0, startNs: 0, process: name, cgroup });
      continue;
    }
    for (const c of p.containers) {
      // a limit that does not parse fails CreateContainer: the container never runs
      if (c.nri.kind === "error") continue;
      const starts = [0, ...(restarts.get(chainKey(p, c.name)) ?? [])];
      starts.forEach((startNs, instance) => {
        const cgroup = scopeOf(p, c.name, instance);
        const files: Record<string, string> = {};
        if (c.nri.kind === "limit") files["misc.max"] = `sgx_epc ${c.nri.bytes}`;
        if (c.memoryLimit !== null) files["memory.max"] = String(c.memoryLimit);
        if (instance === 0) {
          cgroups[cgroup] = files;
        } else {
          // a restart is a new container: CreateContainer makes its scope and the NRI plugin writes
          // misc.max then, just before it starts (the write matters on v5, which acts on it at once)
          const at = `${Math.max(0, startNs - 1)}ns`;
          events.push({ at, mkdir: cgroup });
          for (const [file, value] of Object.entries(files)) events.push({ at, write: { path: `${cgroup}/${file}`, value } });
        }
        const name = instanceName(p, c.name, instance);
        processes.push({
          name,
          ...(startNs === 0 ? {} : { start: `${startNs}ns` }),
          cgroup,
          program: c.workload.program,
        });
        instances.push({ pod: p, container: c, instance, startNs, process: name, cgroup });
      });
      for (const [k, t] of c.workload.traces) traces.set(k, t);
    }
  }
  const machine = { profile: plan.node.profile, epc: plan.node.epcBytes, cpus: plan.node.cpus };
  const doc: Record<string, unknown> = { kernel: opts.kernel, seed: opts.seed, until, machine, cgroups };
  if (processes.length > 0) doc.processes = processes;
  if (events.length > 0) doc.events = events;
  return { doc, instances, traces };
}

/** the document as scenario text, loaded (validated and lowered) as a scenario file would be */
export function loadNodeDocument(label: string, built: ReturnType<typeof nodeDocument>, baseDir: string, onWarning?: (m: string) => void, set?: Record<string, string>): { scenario: Scenario; text: string } {
  const text = `# ${label}\n${stringify(built.doc)}`;
  const scenario = parseScenarioText(text, label, { traces: built.traces, baseDir, ...(onWarning === undefined ? {} : { onWarning }), ...(set === undefined ? {} : { set }) });
  return { scenario, text };
}
