// Running a sweep: the variants not yet in the directory's journal go to a runner (the local pool
// of worker threads, or the queue), each result is appended to the journal as it arrives, and the
// result files are written at the end from the journal, in the grid's order.
import { basename } from "node:path";
import type { Grid } from "./grid.js";
import { axisColumns, inShard, type Variant } from "./variants.js";
import { manifestOf, ResultStore, type Manifest } from "./store.js";
import { sweepTable, type Table } from "./table.js";
import { writeSweepFiles } from "./files.js";
import type { VariantResult } from "./result.js";
import type { VariantTask } from "./run-variant.js";
import { GridError } from "./errors.js";

/** where variants run: the local pool, or a queue that workers serve */
export interface Runner {
  run(task: VariantTask): Promise<VariantResult>;
  close(): Promise<void>;
}

export interface SweepOptions {
  dir: string;
  /** only this shard of the variants (--shard I/N), or all */
  shard: { index: number; count: number } | null;
  /** called once before any variant runs (how many there are, how many were done already), then after each */
  onProgress?: (done: number, total: number) => void;
  /** called with each variant's result as it is journaled (the dashboard's rows), and the count done with it */
  onResult?: (variant: Variant, result: VariantResult, done: number, total: number) => void;
}

export interface SweepOutcome {
  total: number;
  skipped: number;
  ran: number;
  table: Table;
}

export const taskOf = (v: Variant): VariantTask => ({ id: v.id, text: v.text, source: v.source, baseDir: v.baseDir });

export const sweepTitle = (gridFile: string): string => `epcsim sweep: ${basename(gridFile)}`;

export async function runSweep(grid: Grid, variants: readonly Variant[], runner: Runner, options: SweepOptions): Promise<SweepOutcome> {
  const store = new ResultStore(options.dir);
  const manifest = manifestOf(grid, axisColumns(grid), variants);
  store.open(manifest);
  const mine = variants.filter((v) => inShard(v, options.shard));
  const done = store.done();
  const todo = mine.filter((v) => !done.has(v.id));
  let finished = mine.length - todo.length;
  options.onProgress?.(finished, mine.length);
  try {
    // every variant that finishes is kept, even when another one fails
    const settled = await Promise.allSettled(
      todo.map(async (v) => {
        const result = await runner.run(taskOf(v));
        store.append(v.id, result);
        done.set(v.id, result);
        finished++;
        options.onResult?.(v, result, finished, mine.length);
        options.onProgress?.(finished, mine.length);
      }),
    );
    const failed = settled.find((s) => s.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  } finally {
    await runner.close();
  }
  const table = sweepTable({ ...manifest, variants: manifest.variants.filter((e) => inShard(variants[e.index] as Variant, options.shard)) }, done);
  await writeSweepFiles(options.dir, table, sweepTitle(grid.file));
  return { total: mine.length, skipped: mine.length - todo.length, ran: todo.length, table };
}

const sameVariants = (a: Manifest, b: Manifest): boolean => a.variants.length === b.variants.length && a.variants.every((v, i) => v.id === b.variants[i]?.id);

/** joins the results of shard directories (each a --shard of one grid) into `out`, as one local sweep would have written them */
export async function mergeSweeps(dirs: readonly string[], out: string): Promise<SweepOutcome> {
  const stores = dirs.map((d) => new ResultStore(d));
  const manifests = stores.map((s) => s.manifest());
  const first = manifests[0];
  if (first === undefined) throw new GridError("--merge: expected at least one directory of a sweep.");
  manifests.forEach((m, i) => {
    if (!sameVariants(first, m)) throw new GridError(`--merge ${dirs[i] ?? ""}: expected the shards of one grid, but its variants.json lists other variants than ${dirs[0] ?? ""}'s.`);
  });
  const results = new Map<string, VariantResult>();
  for (const s of stores) for (const [id, r] of s.done()) results.set(id, r);
  const target = new ResultStore(out);
  target.open(first);
  const already = target.done();
  for (const v of first.variants) {
    const r = results.get(v.id);
    if (r !== undefined && !already.has(v.id)) target.append(v.id, r);
  }
  for (const [id, r] of already) results.set(id, r);
  const table = sweepTable(first, results);
  await writeSweepFiles(out, table, sweepTitle(first.grid));
  return { total: first.variants.length, skipped: 0, ran: 0, table };
}
