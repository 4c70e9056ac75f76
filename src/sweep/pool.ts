// The local pool: variants run on worker threads (piscina), `jobs` at a time, one per core by default.
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { VariantTask } from "./run-variant.js";
import type { VariantResult } from "./result.js";

export const defaultJobs = (): number => availableParallelism();

export class VariantPool {
  private readonly pool: Piscina<VariantTask, VariantResult>;

  constructor(jobs: number) {
    // every thread from the start: a sweep keeps them all busy, and the first variants should not wait for a thread to spawn
    this.pool = new Piscina({ filename: new URL("./worker.js", import.meta.url).href, minThreads: jobs, maxThreads: jobs, idleTimeout: 1000 });
  }

  run(task: VariantTask): Promise<VariantResult> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
