// `epcsim sweep GRID`: the variants of a grid file on local worker threads (or, with --shard, a
// share of them; with --merge, the shards joined), their results into --out DIR.
import { InvalidArgumentError, type Command } from "commander";
import cliProgress from "cli-progress";
import { loadGrid } from "../sweep/grid.js";
import { expandGrid, type Variant } from "../sweep/variants.js";
import { defaultJobs, VariantPool } from "../sweep/pool.js";
import { mergeSweeps, runSweep, type Runner, type SweepOutcome } from "../sweep/sweep.js";
import { GridError } from "../sweep/errors.js";
import { table } from "./format.js";
import { k8sJobManifest } from "../sweep/k8s-job.js";
import { QueueRunner } from "../sweep/queue.js";

export function parseJobs(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) throw new InvalidArgumentError("expected a whole number of jobs from 1 to 1024.");
  return Number(value);
}

export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (m === null || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InvalidArgumentError("expected I/N with 0 <= I < N, such as 0/4.");
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** a bar over variants on stderr (a terminal only, not with --quiet) */
export function variantProgress(label: string, enabled: boolean): { update: (done: number, total: number) => void; stop: () => void } {
  if (!enabled || process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} variants | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

export function formatVariants(variants: readonly Variant[]): string {
  const cols = [...new Set(variants.flatMap((v) => Object.keys(v.axes)))];
  return `${table([["#", "id", ...cols], ...variants.map((v) => [String(v.index), v.id, ...cols.map((c) => v.axes[c] ?? "")])])}\n${variants.length} variants\n`;
}

function outcomeLine(what: string, o: SweepOutcome, dir: string): string {
  const errors = o.table.rows.filter((r) => r[o.table.columns.findIndex((c) => c.name === "error")] !== null).length;
  return `${what}: ${o.total} variants (${o.ran} run now, ${o.skipped} done before)${errors > 0 ? `, ${errors} could not be simulated (the error column says why)` : ""}; results in ${dir}/sweep.csv, sweep.parquet and sweep.html\n`;
}

export interface SweepCliOptions {
  emitK8sJob?: boolean;
  shards?: number;
  image?: string;
  claim?: string;
  queue?: string;
  dryRun?: boolean;
  out?: string;
  jobs?: number;
  quiet?: boolean;
  shard?: { index: number; count: number };
  merge?: string[];
}

const warn = (message: string): void => {
  process.stderr.write(`epcsim: warning: ${message}\n`);
};

async function sweepCommand(gridFile: string | undefined, opts: SweepCliOptions): Promise<void> {
  if (opts.merge !== undefined) {
    if (opts.out === undefined) throw new GridError("--merge: expected --out DIR, where the joined results go.");
    const o = await mergeSweeps(opts.merge, opts.out);
    process.stdout.write(outcomeLine(`merged ${opts.merge.length} shards`, o, opts.out));
    return;
  }
  if (gridFile === undefined) throw new GridError("sweep: expected a grid file (or --merge DIRS...).");
  const grid = loadGrid(gridFile);
  const variants = expandGrid(grid);
  if (opts.dryRun === true) {
    process.stdout.write(formatVariants(variants));
    return;
  }
  if (opts.emitK8sJob === true) {
    process.stdout.write(k8sJobManifest(grid, { shards: opts.shards ?? 4, image: opts.image ?? "epcsim:latest", out: opts.out ?? "/results", claim: opts.claim ?? "epcsim-results" }));
    return;
  }
  if (opts.out === undefined) throw new GridError("sweep: expected --out DIR, where the results go (or --dry-run to list the variants).");
  if (opts.queue !== undefined && opts.shard !== undefined) throw new GridError("sweep: expected --queue or --shard, not both (the queue's workers share the variants out).");
  const runner: Runner = opts.queue !== undefined ? await QueueRunner.open(opts.queue, warn) : new VariantPool(opts.jobs ?? defaultJobs());
  const progress = variantProgress("sweep", opts.quiet !== true);
  let o: SweepOutcome;
  try {
    o = await runSweep(grid, variants, runner, { dir: opts.out, shard: opts.shard ?? null, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  process.stdout.write(outcomeLine(`sweep ${gridFile}${opts.shard === undefined ? "" : ` shard ${opts.shard.index}/${opts.shard.count}`}`, o, opts.out));
}

export function addSweepCommand(program: Command): Command {
  return program
    .command("sweep")
    .description("run every variant of a grid file (a base scenario and axes of field values, ranges and seeds) on worker threads; sweep.csv, sweep.parquet and sweep.html into --out")
    .argument("[grid]", "grid file (YAML)")
    .option("--dry-run", "list the variants and their ids, run nothing")
    .option("--out <dir>", "the results directory (a rerun into it skips the variants already done)")
    .option("--jobs <n>", "worker threads (default: one per core)", parseJobs)
    .option("--quiet", "no progress bar on stderr")
    .option("--shard <i/n>", "run only shard I of N (every N-th variant from the I-th)", parseShard)
    .option("--merge <dirs...>", "join the results directories of a grid's shards into --out")
    .option("--emit-k8s-job", "print a Kubernetes Indexed Job (and a ConfigMap with the grid) whose pods run the shards; nothing runs here")
    .option("--shards <n>", "with --emit-k8s-job: the number of shards, the Job's completions (default 4)", parseJobs)
    .option("--image <image>", "with --emit-k8s-job: a container image with epcsim on its PATH (default epcsim:latest)")
    .option("--claim <name>", "with --emit-k8s-job: the PersistentVolumeClaim mounted at --out (default epcsim-results; --out defaults to /results)")
    .option("--queue <url>", "enqueue the variants on BullMQ in Redis (redis://HOST:PORT) for epcsim worker processes to run, and collect their results")
    .action((grid: string | undefined, opts: SweepCliOptions) => sweepCommand(grid, opts));
}
