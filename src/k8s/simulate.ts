// Running a node plan: the scenario is simulated, every container that ended and whose pod's
// restartPolicy restarts it gets a new instance after the kubelet's crash back-off, and the node is
// simulated again from the start with it, until the instances agree with the exits that produced
// them (the simulation is deterministic and causal, so the part before a restart never changes).
// A light observer samples each process's EPC (for the mean), each pod's EPC over time, and the
// end of each process's last ioctl or fault (its active time when it idles to the end).
import { createSimulator } from "../programs/run.js";
import type { SimObserver, SimEvent, Track } from "../engine/observer.js";
import type { SimSummary } from "../engine/summary.js";
import type { Simulator } from "../engine/sim.js";
import type { Scenario } from "../scenario/types.js";
import { chainKey, loadNodeDocument, nodeDocument, podLabel, type Instance, type NodeRunOptions } from "./to-scenario.js";
import type { NodePlan, PlannedPod } from "./plan.js";

export const BACKOFF_INITIAL_NS = 10_000_000_000;
export const BACKOFF_MAX_NS = 300_000_000_000;

/** what the observer kept of one process */
export interface ProcessWatch {
  epcSumPages: number;
  samples: number;
  /** end of its last ioctl or fault slice, ns (null: none) */
  lastSliceEndNs: number | null;
}

/** the node's EPC over time by pod: one row per sample, bytes per pod (in plan order) */
export interface PodEpcSeries {
  pods: string[];
  rows: { timeNs: number; bytes: number[] }[];
}

class NodeWatcher implements SimObserver {
  readonly sampleIntervalNs: number;
  readonly byPid = new Map<number, ProcessWatch>();
  readonly series: PodEpcSeries;
  private sim: Simulator | null = null;
  private podOfPid: number[] = [];

  constructor(
    private readonly inner: SimObserver | null,
    intervalNs: number,
    private readonly instances: Instance[],
    pods: PlannedPod[],
    private readonly onProgress: ((nowNs: number, events: number) => void) | undefined,
  ) {
    this.sampleIntervalNs = inner?.sampleIntervalNs ?? intervalNs;
    this.series = { pods: pods.map(podLabel), rows: [] };
    this.podIndex = new Map(pods.map((p, i) => [p, i]));
  }

  private readonly podIndex: Map<PlannedPod, number>;

  attach(sim: Simulator): void {
    this.sim = sim;
    const byName = new Map(this.instances.map((i) => [i.process, i]));
    for (const p of sim.processes) {
      const inst = byName.get(p.name);
      this.podOfPid[p.pid] = inst === undefined ? -1 : (this.podIndex.get(inst.pod) ?? -1);
      this.byPid.set(p.pid, { epcSumPages: 0, samples: 0, lastSliceEndNs: null });
    }
  }

  sample(atNs: number): void {
    this.inner?.sample(atNs);
    const sim = this.sim;
    if (sim === null) return;
    const bytes = this.series.pods.map(() => 0);
    for (const p of sim.processes) {
      if (!p.started || (p.exited && p.endNs !== null && p.endNs < atNs)) continue;
      const pages = sim.sgx.paging.processEpc(p.pid).pages;
      const w = this.byPid.get(p.pid);
      if (w !== undefined) {
        w.epcSumPages += pages;
        w.samples++;
      }
      const pod = this.podOfPid[p.pid] ?? -1;
      if (pod >= 0) bytes[pod] = (bytes[pod] ?? 0) + pages * 4096;
    }
    this.series.rows.push({ timeNs: atNs, bytes });
  }

  event(e: SimEvent): void {
    this.inner?.event(e);
  }

  slice(track: Track, name: string, startNs: number, endNs: number, args?: Record<string, string | number>): void {
    this.inner?.slice(track, name, startNs, endNs, args);
    if (track.pid === 0) return;
    const w = this.byPid.get(track.pid);
    if (w !== undefined && (w.lastSliceEndNs === null || endNs > w.lastSliceEndNs)) w.lastSliceEndNs = endNs;
  }

  progress(nowNs: number, events: number): void {
    this.inner?.progress?.(nowNs, events);
    this.onProgress?.(nowNs, events);
  }
}

/** a run of the node: the summary, the instances simulated, what the watcher saw */
export interface NodeSim {
  scenario: Scenario;
  text: string;
  summary: SimSummary;
  instances: Instance[];
  watch: Map<string, ProcessWatch>;
  series: PodEpcSeries;
  /** how many times the node was simulated to settle the restarts */
  rounds: number;
}

/** the kubelet's decision after a container's exit (kuberuntime's restart policy and doBackOff) */
export function restarts(policy: string, exitCode: number): boolean {
  return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
}

/**
 * the restart times of a chain whose instances ended at `ends` (flowcontrol.Backoff as the kubelet
 * uses it: the first restart is immediate and sets the back-off to 10 s; each later one waits the
 * back-off and doubles it, up to 5 min; an entry not updated for 2 x 5 min starts over)
 */
export function restartTimes(ends: readonly number[]): number[] {
  const out: number[] = [];
  let backoff = 0;
  let lastUpdate = -Infinity;
  for (const ts of ends) {
    let at: number;
    if (backoff === 0 || ts - lastUpdate > 2 * BACKOFF_MAX_NS) {
      at = ts;
      backoff = BACKOFF_INITIAL_NS;
    } else {
      at = ts + backoff;
      backoff = Math.min(2 * backoff, BACKOFF_MAX_NS);
    }
    lastUpdate = at;
    out.push(at);
  }
  return out;
}

export interface SimulateHooks {
  /** wraps the watcher, e.g. a Recorder for --out; `attach` is called with the simulator */
  observer?: (final: boolean) => (SimObserver & { attach?(sim: Simulator): void }) | null;
  onWarning?: (m: string) => void;
  /** called before every simulation, with the round */
  onRound?: (label: string, round: number, untilNs: number) => void;
  onProgress?: (nowNs: number, events: number) => void;
  /** --set overrides of the scenario fields (compare's variants) */
  set?: Record<string, string>;
}

const MAX_ROUNDS = 200;

/** simulates the plan (or `only` that pod alone) with every restart the kubelet would make */
export function simulateNode(plan: NodePlan, opts: NodeRunOptions, label: string, baseDir: string, only: PlannedPod | null = null, hooks: SimulateHooks = {}): NodeSim {
  let restartsOf = new Map<string, number[]>();
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const built = nodeDocument(plan, opts, restartsOf, only);
    const { scenario, text } = loadNodeDocument(label, built, baseDir, round === 1 ? hooks.onWarning : undefined, hooks.set);
    hooks.onRound?.(label, round, opts.untilNs);
    const run = (inner: (SimObserver & { attach?(sim: Simulator): void }) | null): NodeSim => {
      const watcher = new NodeWatcher(inner, Math.max(1_000_000, Math.floor(opts.untilNs / 2000)), built.instances, plan.pods, hooks.onProgress);
      const sim = createSimulator(scenario, { observer: watcher });
      inner?.attach?.(sim);
      watcher.attach(sim);
      const summary = sim.run();
      const watch = new Map<string, ProcessWatch>();
      for (const p of sim.processes) {
        const w = watcher.byPid.get(p.pid);
        if (w !== undefined) watch.set(p.name, w);
      }
      return { scenario, text, summary, instances: built.instances, watch, series: watcher.series, rounds: round };
    };
    const probe = run(null);
    const next = settleRestarts(probe, opts.untilNs);
    if (sameRestarts(next, restartsOf)) {
      // the settled run; simulated again only when an outer observer (--out) must see it
      const outer = hooks.observer?.(true) ?? null;
      return outer === null ? probe : { ...run(outer), rounds: round };
    }
    restartsOf = next;
  }
  throw new Error(`the restarts of ${label} did not settle after ${MAX_ROUNDS} simulations`);
}

/** the restart times the kubelet would choose for the exits of `run` */
function settleRestarts(run: NodeSim, untilNs: number): Map<string, number[]> {
  const byName = new Map(run.summary.processes.map((p) => [p.name, p]));
  const chains = new Map<string, Instance[]>();
  for (const inst of run.instances) {
    if (inst.container === null) continue;
    const key = chainKey(inst.pod, inst.container.name);
    chains.set(key, [...(chains.get(key) ?? []), inst]);
  }
  const out = new Map<string, number[]>();
  for (const [key, chain] of chains) {
    const ends: number[] = [];
    for (const inst of chain) {
      const p = byName.get(inst.process);
      if (p === undefined || p.exitCode === null || p.endNs === null || !restarts(inst.pod.pod.restartPolicy, p.exitCode)) break;
      ends.push(p.endNs);
    }
    const times = restartTimes(ends).filter((t) => t < untilNs);
    if (times.length > 0) out.set(key, times);
  }
  return out;
}

function sameRestarts(a: Map<string, number[]>, b: Map<string, number[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.length !== v.length || v.some((x, i) => x !== w[i])) return false;
  }
  return true;
}
