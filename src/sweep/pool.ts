// The local pool: variants run on worker threads (piscina), `jobs` at a time, one per core by default.
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import { createRequire } from "node:module";
import type { VariantTask } from "./run-variant.js";
import type { VariantResult } from "./result.js";

// piscina is loaded (its CommonJS build, synchronously) when a pool is made, not by every command
// that imports this file for defaultJobs: each command pays at start-up for what its modules import
const requireHere = createRequire(import.meta.url);
let piscina: typeof import("piscina") | undefined;

export const defaultJobs = (): number => availableParallelism();

export class VariantPool {
  private readonly pool: Piscina<VariantTask, VariantResult>;

  constructor(jobs: number) {
    // every thread from the start: a sweep keeps them all busy, and the first variants should not wait for a thread to spawn
    piscina ??= requireHere("piscina") as typeof import("piscina");
    // (a path that holds from src/cli too, where the command's bundle runs this code: scripts/bundle-cli.mjs)
    this.pool = new piscina.Piscina({ filename: new URL("../sweep/worker.js", import.meta.url).href, minThreads: jobs, maxThreads: jobs, idleTimeout: 1000 });
  }

  run(task: VariantTask): Promise<VariantResult> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
