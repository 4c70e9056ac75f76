// One variant run, wherever it runs (a worker thread, a queue worker, the advisor): the scenario
// text parsed, simulated, and reduced to its VariantResult. Bad input inside a variant (a write the
// kernel refuses at time zero, a trace that cannot be read) is that variant's result, not a crash.
import { simulate } from "../programs/run.js";
import { parseScenarioText, ScenarioError } from "../scenario/load.js";
import { ScenarioSetupError } from "../engine/setup-error.js";
import { TraceError } from "../trace/error.js";
import { failedResult, variantResult, type VariantResult } from "./result.js";

/** what a worker is handed: the variant's id, its whole scenario text, and where its trace files are */
export interface VariantTask {
  id: string;
  text: string;
  source: string;
  baseDir: string;
}

export function runVariant(task: VariantTask): VariantResult {
  try {
    const scenario = parseScenarioText(task.text, task.source, { baseDir: task.baseDir });
    return variantResult(simulate(scenario));
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof ScenarioSetupError || e instanceof TraceError) return failedResult(e.message);
    throw e;
  }
}
