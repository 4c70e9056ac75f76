// The outcome of a node run, per pod and container, as `epcsim node` prints it (and --json gives
// it): scheduled or not and why, the nominal EPC (the request) against the EPC used (peak, mean),
// paging, the slowdown against the same pod alone on the node, every failure with its cause, and
// restarts with the state the kubelet would show at the end (Running, CrashLoopBackOff, ...).
import type { ProcessSummary, SimSummary } from "../engine/summary.js";
import { causeLabel, describeCause } from "../engine/cause.js";
import type { Paging } from "../kernel/paging-accounts.js";
import type { NodePlan, PlannedContainer, PlannedPod } from "./plan.js";
import type { Instance, NodeRunOptions } from "./to-scenario.js";
import { restarts, restartTimes, type NodeSim } from "./simulate.js";
import { podRequests } from "./schedule.js";

export interface InstanceResult {
  process: string;
  cgroup: string;
  startNs: number;
  endNs: number | null;
  exitCode: number | null;
  signal: string | null;
  /** ENOMEM, SIGBUS, memcg OOM, v5 OOM, or another signal or errno; null for a normal exit or still running */
  failure: string | null;
  /** what caused it, in a sentence (from the run's cause of exit) */
  cause: string | null;
}

export interface ContainerResult {
  name: string;
  cgroup: string;
  workload: string;
  /** nominal EPC: the request, bytes */
  epcRequest: number;
  /** misc.max the NRI plugin writes (bytes), null for none */
  miscMax: number | null;
  /** CreateContainerError when the NRI annotation does not parse */
  createError: string | null;
  memoryMax: number | null;
  /** EPC attributed to it, bytes: the highest of its instances' peaks, and the mean over the time they ran */
  epcUsed: { peak: number; mean: number };
  paging: Paging;
  restarts: number;
  /** at the end of the run: Running, Completed, Error, CrashLoopBackOff, CreateContainerError */
  state: string;
  instances: InstanceResult[];
  /** time from start to exit, or to its last ioctl or fault when it runs to the end, of its first instance */
  activeNs: number | null;
  aloneActiveNs: number | null;
  /** activeNs / aloneActiveNs */
  slowdown: number | null;
  alonePaging: Paging | null;
}

export interface PodResult {
  name: string;
  namespace: string;
  uid: string;
  qos: string;
  priority: number;
  runtimeClassName: string | null;
  scheduled: boolean;
  /** Running, or Pending with the scheduler's reason */
  status: string;
  reason: string | null;
  message: string | null;
  cgroup: string;
  /** the webhook's pod annotation sgx.intel.com/epc */
  epcAnnotation: string | null;
  epcRequest: number;
  /** per resource, what the scheduler fitted (cpu in millicores, the rest in base units) */
  requests: Record<string, string>;
  /** a VM pod: its guest's vEPC and EPC attributed to it */
  vm: { process: string; vepcBytes: number; epcPeak: number; failure: string | null } | null;
  containers: ContainerResult[];
}

export interface NodeResult {
  node: { name: string; source: string; profile: string; cpus: number; epcBytes: number; allocatable: Record<string, string> };
  kernel: string;
  seed: number;
  untilNs: number;
  simulatedNs: number;
  /** simulations of the whole node it took to settle the restarts */
  rounds: number;
  pods: PodResult[];
}

const ZERO: Paging = { faults: 0, nopageRetries: 0, eldu: 0, ewbPages: 0, eaug: 0, sigbus: 0, chargeFailures: 0, reclaimedFrom: 0, vepcFaults: 0 };

function addPaging(a: Paging, b: Paging): Paging {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof Paging)[]) out[k] += b[k];
  return out;
}

/** the failure class of an instance that did not end normally, and its cause in a sentence */
export function failureOf(p: ProcessSummary): { failure: string | null; cause: string | null } {
  if (p.exitCode === null || (p.exitCode === 0 && p.signal === null)) return { failure: null, cause: null };
  const c = p.cause;
  const sentence = c === null ? null : `${causeLabel(c)}: ${describeCause(c)}`;
  if (c?.kind === "epc-oom") return { failure: "v5 OOM", cause: sentence };
  if (c?.kind === "memcg-oom") return { failure: "memcg OOM", cause: sentence };
  if (p.signal === "SIGBUS") return { failure: "SIGBUS", cause: sentence ?? "SIGBUS from a fault" };
  if (p.error !== null) return { failure: p.error.errno, cause: sentence ?? `${p.error.op} failed with ${p.error.errno}` };
  if (p.signal !== null) return { failure: p.signal, cause: sentence };
  return { failure: `exit ${p.exitCode}`, cause: sentence };
}

/** null for an instance that failed: its time says nothing about its speed */
function activeOf(p: ProcessSummary | undefined, sim: NodeSim): number | null {
  if (p === undefined || p.startNs === null || failureOf(p).failure !== null) return null;
  if (p.endNs !== null) return p.endNs - p.startNs;
  const last = sim.watch.get(p.name)?.lastSliceEndNs ?? null;
  return last === null ? 0 : Math.max(0, last - p.startNs);
}

function stateOf(c: PlannedContainer, pod: PlannedPod, chain: ProcessSummary[], untilNs: number): string {
  if (c.nri.kind === "error") return "CreateContainerError";
  const last = chain.at(-1);
  if (last === undefined || last.exitCode === null) return "Running";
  const code = last.exitCode;
  if (!restarts(pod.pod.restartPolicy, code)) return code === 0 && last.signal === null ? "Completed" : "Error";
  // its next restart falls after the end: waiting out the back-off
  const ends = chain.map((p) => p.endNs ?? 0);
  const next = restartTimes(ends).at(-1) ?? 0;
  return next > (last.endNs ?? 0) && next >= untilNs ? "CrashLoopBackOff" : "Running";
}

/**
 * the pod's phase at the end from its containers' states (pkg/kubelet/kubelet_pods.go getPhase):
 * Pending while a container waits to be created, Running while one runs or will restart,
 * Succeeded when all ended with 0 for good, Failed when all ended and one failed
 */
export function podPhase(states: readonly string[]): string {
  if (states.some((s) => s === "CreateContainerError")) return "Pending";
  if (states.some((s) => s.startsWith("Running") || s === "CrashLoopBackOff")) return "Running";
  if (states.length > 0 && states.every((s) => s === "Completed")) return "Succeeded";
  return "Failed";
}

export function nodeResult(plan: NodePlan, opts: NodeRunOptions, sim: NodeSim, alone: Map<PlannedPod, NodeSim>): NodeResult {
  const summary: SimSummary = sim.summary;
  const byName = new Map(summary.processes.map((p) => [p.name, p]));
  const instancesOf = (pod: PlannedPod, container: string | null): Instance[] => sim.instances.filter((i) => i.pod === pod && (container === null ? i.container === null : i.container?.name === container));
  const pods = plan.pods.map((p): PodResult => {
    const v = p.verdict;
    const req: Record<string, string> = {};
    for (const [r, n] of podRequests(p.pod)) req[r] = String(n);
    let vm: PodResult["vm"] = null;
    if (p.vm && v.scheduled) {
      const g = instancesOf(p, null)[0];
      const gp = g === undefined ? undefined : byName.get(g.process);
      vm = { process: g?.process ?? "", vepcBytes: p.epcSum - (p.epcSum % 4096), epcPeak: gp?.attributed.epcPeak ?? 0, failure: gp === undefined ? null : failureOf(gp).failure };
    }
    const containers = p.containers.map((c): ContainerResult => {
      const insts = v.scheduled && !p.vm ? instancesOf(p, c.name) : [];
      const chain = insts.map((i) => byName.get(i.process)).filter((x): x is ProcessSummary => x !== undefined);
      let sumPages = 0;
      let samples = 0;
      for (const i of insts) {
        const w = sim.watch.get(i.process);
        if (w !== undefined) {
          sumPages += w.epcSumPages;
          samples += w.samples;
        }
      }
      const first = chain[0];
      const activeNs = activeOf(first, sim);
      const aloneSim = alone.get(p);
      const aloneFirst = aloneSim?.summary.processes.find((q) => q.name === first?.name);
      const aloneActiveNs = aloneSim === undefined ? null : activeOf(aloneFirst, aloneSim);
      return {
        name: c.name,
        cgroup: insts[0]?.cgroup ?? "",
        workload: c.workload.kind,
        epcRequest: c.epcRequest,
        miscMax: c.nri.kind === "limit" ? Number(c.nri.bytes) : null,
        createError: c.nri.kind === "error" ? `failed to parse annotation ${c.nri.annotation}: ${JSON.stringify(c.nri.value)} is not a base-10 uint64` : null,
        memoryMax: c.memoryLimit,
        epcUsed: { peak: Math.max(0, ...chain.map((q) => q.attributed.epcPeak)), mean: samples === 0 ? 0 : Math.round((sumPages / samples) * 4096) },
        paging: chain.reduce((a, q) => addPaging(a, q.paging), ZERO),
        restarts: Math.max(0, chain.length - 1),
        state: v.scheduled ? (p.vm ? "Running (in the guest)" : stateOf(c, p, chain, opts.untilNs)) : "Pending",
        instances: chain.map((q, k) => ({ process: q.name, cgroup: insts[k]?.cgroup ?? q.cgroup, startNs: q.startNs ?? 0, endNs: q.endNs, exitCode: q.exitCode, signal: q.signal, ...failureOf(q) })),
        activeNs,
        aloneActiveNs,
        slowdown: activeNs === null || aloneActiveNs === null || aloneActiveNs === 0 ? null : activeNs / aloneActiveNs,
        alonePaging: aloneFirst?.paging ?? null,
      };
    });
    return {
      name: p.pod.name,
      namespace: p.pod.namespace,
      uid: p.uid,
      qos: p.qos,
      priority: p.pod.priority,
      runtimeClassName: p.pod.runtimeClassName,
      scheduled: v.scheduled,
      status: v.scheduled ? podPhase(containers.map((c) => c.state)) : `${v.phase}: ${v.reasons.join(", ")}`,
      reason: v.scheduled ? null : v.reasons.join(", "),
      message: v.scheduled ? null : v.message,
      cgroup: p.slice,
      epcAnnotation: p.epcAnnotation,
      epcRequest: p.epcSum,
      requests: req,
      vm,
      containers,
    };
  });
  const allocatable: Record<string, string> = {};
  for (const [r, n] of plan.node.allocatable) allocatable[r] = n === null ? "unchecked" : String(n);
  return {
    node: { name: plan.node.name, source: plan.node.source, profile: plan.node.profile, cpus: plan.node.cpus, epcBytes: plan.node.epcBytes, allocatable },
    kernel: opts.kernel,
    seed: opts.seed,
    untilNs: opts.untilNs,
    simulatedNs: summary.simulatedNs,
    rounds: sim.rounds,
    pods,
  };
}

