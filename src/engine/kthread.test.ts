// Kernel threads on the simulated CPUs, and the work queue's non-reentrance rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText } from "../scenario/load.js";
import { eevdfBaseSliceNs } from "../scenario/load.js";
import { createSimulator } from "../programs/run.js";
import type { SimObserver } from "./observer.js";
import type { SimSummary } from "./summary.js";
import { FOUR_FAULTERS_V17, ONE_THREAD_THRASHING } from "../testing/issue10-scenarios.js";

const THRASH = ONE_THREAD_THRASHING;

function run(text: string, sets: Record<string, unknown> = {}, observer?: SimObserver): SimSummary {
  const base = parseScenarioText(text, "kthread.yaml");
  const scenario = {
    ...base,
    machine: { ...base.machine, ...(sets.cpus !== undefined ? { cpus: sets.cpus as number } : {}) },
    options: { ...base.options, ...(sets.kthreads !== undefined ? { kthreads: sets.kthreads as "scheduled" | "free" } : {}) },
  };
  const summary = createSimulator(scenario, { checkInvariants: true, ...(observer !== undefined ? { observer } : {}) }).run();
  assert.deepEqual(summary.invariants.violations, []);
  return summary;
}

test("ksgxd needs a CPU: one CPU and one thrashing thread take visibly longer than four CPUs", () => {
  const one = run(THRASH, { cpus: 1 });
  const four = run(THRASH, { cpus: 4 });
  for (const s of [one, four]) assert.equal(s.processes[0]?.exitCode, 0);
  assert.ok(one.simulatedNs > 1.25 * four.simulatedNs, `1 CPU ${one.simulatedNs} ns, 4 CPUs ${four.simulatedNs} ns`);
  // the faulting thread spins (NOPAGE) while ksgxd waits for the CPU it holds
  assert.ok(one.counters.faultRetries > 2 * four.counters.faultRetries, `${one.counters.faultRetries} vs ${four.counters.faultRetries}`);
});

test("kthreads: free runs kernel threads beside the user threads, so the CPU count no longer matters here", () => {
  const one = run(THRASH, { cpus: 1, kthreads: "free" });
  const four = run(THRASH, { cpus: 4, kthreads: "free" });
  assert.equal(one.simulatedNs, four.simulatedNs);
  assert.deepEqual(one.counters, four.counters);
  // with a CPU to spare, scheduling kernel threads changes nothing either
  assert.equal(run(THRASH, { cpus: 4 }).simulatedNs, four.simulatedNs);
});

test("ksgxd and a user thread share the only CPU: no fault completes while ksgxd reclaims", () => {
  const slices: { start: number; end: number }[] = [];
  const faults: number[] = [];
  const observer: SimObserver = {
    sampleIntervalNs: Infinity,
    sample() {},
    event() {},
    slice(track, name, startNs, endNs) {
      if (track.thread === "ksgxd" && name === "reclaim batch") slices.push({ start: startNs, end: endNs });
      if (name === "page fault") faults.push(endNs);
    },
  };
  const s = run(THRASH, { cpus: 1 }, observer);
  assert.ok(slices.length > 100);
  // ksgxd and the thread never run at once on the only CPU: no fault completes while a ksgxd batch
  // runs (ksgxd can only be preempted at its cond_resched(), between batches)
  faults.sort((a, b) => a - b);
  let i = 0;
  for (const b of slices) {
    while (i < faults.length && (faults[i] as number) <= b.start) i++;
    const f = faults[i];
    assert.ok(f === undefined || f >= b.end, `a fault ended at ${f} inside a ksgxd batch [${b.start}, ${b.end})`);
  }
  assert.ok(s.simulatedNs > 0);
});

test("the default slice is EEVDF's base slice scaled by the CPU count (at most 8 counted)", () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map(eevdfBaseSliceNs), [750_000, 1_500_000, 1_500_000, 2_250_000, 3_000_000, 3_000_000]);
  assert.equal(parseScenarioText("machine: { cpus: 2 }\n", "x.yaml").options.schedQuantumNs, 1_500_000);
  assert.equal(parseScenarioText("machine: { cpus: 2 }\noptions: { schedQuantum: 5ms }\n", "x.yaml").options.schedQuantumNs, 5_000_000);
});

const V17 = FOUR_FAULTERS_V17;

test("one work item never runs twice at once; its batches nest inside its runs and count their own young pages", () => {
  const runs: { start: number; end: number }[] = [];
  const batches: { start: number; end: number; scanned: number; young: number }[] = [];
  const observer: SimObserver = {
    sampleIntervalNs: Infinity,
    sample() {},
    event(e) {
      if (e.type === "reclaim-batch" && e.reclaimer.startsWith("kworker")) batches.push({ start: e.startNs, end: e.endNs, scanned: e.scanned, young: e.young });
    },
    slice(track, name, startNs, endNs) {
      if (name === "work item" && track.thread === "kworker /t") runs.push({ start: startNs, end: endNs });
    },
  };
  const s = run(V17, {}, observer);
  assert.equal(s.processes[0]?.exitCode, 0);
  assert.equal(runs.length, s.counters.cgroupWorkRuns);
  assert.ok(runs.length > 1);
  for (let i = 1; i < runs.length; i++) assert.ok((runs[i]?.start ?? 0) >= (runs[i - 1]?.end ?? 0), `run ${i} starts before run ${i - 1} ends`);
  for (const b of batches) {
    assert.ok(b.young <= b.scanned, `a batch scanned ${b.scanned} and reported ${b.young} young`);
    assert.ok(runs.some((r) => r.start <= b.start && b.end <= r.end), `batch [${b.start}, ${b.end}) outside every run`);
  }
});
