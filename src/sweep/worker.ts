// The worker-thread entry of the local pool (pool.ts): piscina calls the default export per task.
import { runVariant, type VariantTask } from "./run-variant.js";
import type { VariantResult } from "./result.js";

export default function run(task: VariantTask): VariantResult {
  return runVariant(task);
}
