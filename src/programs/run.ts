// The composition root: the simulator (engine/) put together with what its processes run.
import { Simulator, type SimOptions, type UserPrograms } from "../engine/sim.js";
import type { SimSummary } from "../engine/summary.js";
import { mainProgram } from "./interpreter.js";
import type { ProcessConfig, Scenario } from "./types.js";

const PROGRAMS: UserPrograms = {
  main: mainProgram,
  isGuest: (config) => (config as ProcessConfig).steps.some((s) => s.op === "vepc"),
  tracedBy: (config) => {
    for (const s of (config as ProcessConfig).steps) {
      if (s.op !== "run") continue;
      for (const ph of s.phases) if (ph.type === "access" && ph.pattern.kind === "trace") return { tenant: ph.pattern.tenant, source: ph.pattern.source };
    }
    return null;
  },
};

/** a simulator of `scenario` whose processes run their steps */
export function createSimulator(scenario: Scenario, options: SimOptions = {}): Simulator {
  return new Simulator(scenario, options, PROGRAMS);
}

export function simulate(scenario: Scenario, options: SimOptions = {}): SimSummary {
  return createSimulator(scenario, options).run();
}
