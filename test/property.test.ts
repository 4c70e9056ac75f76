// Property-based tests: random scenarios (enclaves of random shapes, access phases, SGX2 growth and
// shrinking, vEPC guests, kills and memory failures) run with the invariants checked after every
// event; every run must end with every process gone and every frame back (or poisoned/leaked), and
// recording the run for --out must change nothing and give consistent files.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Simulator } from "../src/engine/sim.js";
import type { Phase, ProcessConfig, ScheduledEvent, Step } from "../src/scenario/types.js";
import { machine, ms, PAGE, scenario, us } from "../src/testing/builders.js";
import { simulateRecorded } from "../src/report/outputs.js";
import { INTERVAL_COUNTERS } from "../src/report/recorder.js";
import { buildTrace, checkTrace } from "../src/report/trace.js";

const patternArb = fc.oneof(
  fc.constant({ kind: "sequential" as const }),
  fc.constant({ kind: "uniform" as const }),
  fc.record({ kind: fc.constant("zipf" as const), skew: fc.double({ min: 0.3, max: 1.6, noNaN: true }) }),
  fc.record({
    kind: fc.constant("hotcold" as const),
    hotFraction: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
    hotProbability: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  }),
);

const enclaveArb = fc
  .record({
    sizeLog: fc.integer({ min: 18, max: 23 }),
    addFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
    init: fc.boolean(),
    measure: fc.boolean(),
    threads: fc.integer({ min: 1, max: 3 }),
    phases: fc.array(
      fc.oneof(
        fc.record({ pattern: patternArb, wsFraction: fc.double({ min: 0.05, max: 1.2, noNaN: true }), count: fc.integer({ min: 1, max: 1500 }), think: fc.integer({ min: 0, max: 2000 }) }),
        fc.record({ idle: fc.integer({ min: 1, max: 3000 }) }),
        fc.record({ grow: fc.integer({ min: 1, max: 64 }) }),
        fc.record({ shrink: fc.integer({ min: 1, max: 64 }) }),
      ),
      { maxLength: 4 },
    ),
    start: fc.integer({ min: 0, max: 5000 }),
  })
  .map(({ sizeLog, addFraction, init, measure, threads, phases, start }): ProcessConfig => {
    const size = 2 ** sizeLog;
    const sizePages = size / PAGE;
    const added = Math.max(threads + 1, Math.floor(sizePages * addFraction));
    const steps: Step[] = [{ op: "create", size, debug: false }];
    steps.push({ op: "addPages", offset: 0, length: (added - threads) * PAGE, type: "REG", perm: 7, measure, chunk: 64 * PAGE });
    steps.push({ op: "addPages", offset: (added - threads) * PAGE, length: threads * PAGE, type: "TCS", perm: 0, measure, chunk: 64 * PAGE });
    if (init) steps.push({ op: "init" });
    steps.push({ op: "mmap" });
    const ps: Phase[] = phases.map((ph) => {
      if ("idle" in ph) return { type: "idle", durationNs: ph.idle * us };
      if ("grow" in ph) return { type: "grow", bytes: ph.grow * PAGE };
      if ("shrink" in ph) return { type: "shrink", bytes: ph.shrink * PAGE };
      return {
        type: "access",
        pattern: ph.pattern,
        offset: 0,
        pages: Math.max(1, Math.min(sizePages - threads - 1, Math.floor(added * ph.wsFraction))),
        count: ph.count,
        writeRatio: 0.3,
        thinkNs: ph.think,
      };
    });
    if (ps.length > 0) steps.push({ op: "run", threads, phases: ps });
    steps.push({ op: "exit", code: 0 });
    return { name: "", start: start * us, cgroup: "/", steps };
  });

const guestArb = fc
  .record({ pages: fc.integer({ min: 1, max: 400 }), hold: fc.integer({ min: 0, max: 5000 }), start: fc.integer({ min: 0, max: 5000 }) })
  .map(({ pages, hold, start }): ProcessConfig => ({
    name: "",
    start: start * us,
    cgroup: "/",
    steps: [{ op: "vepc", bytes: pages * PAGE, touch: pages * PAGE }, { op: "hold", durationNs: hold * us }, { op: "exit", code: 0 }],
  }));

const scenarioArb = fc.record({
  epcPages: fc.integer({ min: 160, max: 1200 }),
  cpus: fc.integer({ min: 1, max: 4 }),
  sgx2: fc.boolean(),
  timedSanitize: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
  procs: fc.array(fc.oneof({ weight: 4, arbitrary: enclaveArb }, { weight: 1, arbitrary: guestArb }), { minLength: 1, maxLength: 4 }),
  kills: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), who: fc.nat(), signal: fc.constantFrom("SIGTERM", "SIGKILL") }), { maxLength: 2 }),
  failures: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), frame: fc.nat() }), { maxLength: 2 }),
  // the v17 EPC cgroup: limits (in pages, 0 = max) for /c0, /c1 and /c0/c2, and where each process runs
  kernel: fc.constantFrom("mainline" as const, "v17" as const, "v5" as const),
  limits: fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300)),
  placement: fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }),
  tracking: fc.constantFrom("secs+va" as const, "secs-only" as const),
  oomVictim: fc.constantFrom("list-order" as const, "most-epc" as const, "least-recently-active" as const),
  kthreads: fc.constantFrom("scheduled" as const, "free" as const),
  enclLock: fc.boolean(),
  moves: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), who: fc.nat(), to: fc.nat(3) }), { maxLength: 2 }),
});

const CGROUP_PATHS = ["/", "/c0", "/c1", "/c0/c2"];

test("random scenarios keep every invariant and give every frame back", () => {
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const processes = s.procs.map((p, i) => ({ ...p, name: `p${i}`, cgroup: CGROUP_PATHS[s.placement[i] ?? 0] ?? "/" }));
      const events: ScheduledEvent[] = [
        ...s.kills.map((k) => ({ at: k.at * us, action: { type: "kill" as const, target: `p${k.who % processes.length}`, signal: k.signal } })),
        ...s.failures.map((f) => ({
          at: f.at * us,
          action: { type: "memoryFailure" as const, frame: f.frame % s.epcPages, actionRequired: false, process: null },
        })),
        ...s.moves.map((m) => ({ at: m.at * us, action: { type: "move" as const, process: `p${m.who % processes.length}`, cgroup: CGROUP_PATHS[m.to] ?? "/" } })),
      ].sort((a, b) => a.at - b.at);
      const sc = scenario(machine(s.epcPages * PAGE, { cpus: s.cpus, sgx2: s.sgx2 }), processes, { seed: s.seed, events });
      sc.options.timedSanitize = s.timedSanitize;
      sc.kernel = s.kernel;
      sc.options.unreclaimableTracking = s.tracking;
      sc.options.oomVictim = s.oomVictim;
      sc.options.kthreads = s.kthreads;
      sc.options.enclLock = s.enclLock;
      sc.cgroups = CGROUP_PATHS.slice(1).map((path, i) => ({
        path,
        writes: (s.limits[i] ?? 0) > 0 ? [{ file: "misc.max", value: `sgx_epc ${(s.limits[i] ?? 0) * PAGE}` }] : [],
      }));
      // a fault refused at a full ancestor whose pages lie outside the faulting cgroup's subtree
      // retries forever in both cgroup generations (conformance case L1): the guard stops such runs
      sc.options.livelockRetries = 5000;
      const sim = new Simulator(sc, { checkInvariants: true, maxEvents: 3_000_000 });
      const summary = sim.run();
      assert.ok(sim.events < 3_000_000, "the run ended by itself");
      assert.deepEqual(summary.invariants.violations.slice(0, 3), []);
      if (summary.livelock !== null) {
        assert.notEqual(sc.kernel, "mainline", "mainline has no cgroup limits to livelock on");
        return;
      }
      for (const p of summary.processes) assert.notEqual(p.exitCode, null, `${p.name} ended`);
      const e = summary.epc;
      assert.equal(e.freeListPages + e.poisonedPages + e.leakedPages, e.totalPages, "every frame is free, poisoned or leaked");
      assert.equal(summary.epc.enclavePages + summary.epc.secsPages + summary.epc.vaPages + summary.epc.vepcPages, summary.epc.leakedPages);
      for (const [path, cg] of Object.entries(summary.cgroups)) assert.equal(cg.current, 0, `${path} has nothing charged at the end`);
      // the simulator's paging attribution adds up: the root's is the global counters
      const rootPaging = summary.cgroups["/"]?.paging;
      const k = summary.counters;
      assert.deepEqual(
        rootPaging && [rootPaging.faults, rootPaging.nopageRetries, rootPaging.eldu, rootPaging.ewbPages, rootPaging.eaug, rootPaging.sigbus, rootPaging.chargeFailures, rootPaging.vepcFaults],
        [k.faults, k.faultRetries, k.ELDU, k.pagesReclaimed, k.EAUG, k.sigbus, k.chargeFailures, k.vepcFaults],
      );

      // the same run recorded for --out: identical, its time series sums to the counters, its trace is well-formed
      const { summary: recorded, recorder } = simulateRecorded(sc, { sampleIntervalNs: 200 * us });
      assert.deepEqual({ ...recorded, invariants: null }, { ...summary, invariants: null });
      const counters = summary.counters as unknown as Record<string, number>;
      for (const [col, key] of INTERVAL_COUNTERS) assert.equal(recorder.rows.reduce((n, r) => n + (r.counts[col] ?? 0), 0), counters[key], col);
      assert.deepEqual(checkTrace(buildTrace(recorder, {})), []);
      assert.equal(recorder.events.filter((ev) => ev.type === "process-exit").length, summary.processes.filter((p) => p.startNs !== null).length);
    }),
    { numRuns: Number(process.env.EPCSIM_PROPERTY_RUNS ?? 60), seed: Number(process.env.EPCSIM_PROPERTY_SEED ?? 20261125) },
  );
  void ms;
});
