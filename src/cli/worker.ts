// `epcsim worker --queue URL`: runs a queue's variants on this machine's worker threads until
// SIGINT or SIGTERM, which let the jobs in hand finish first.
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_LOCK_MS, serveQueue } from "../sweep/queue.js";
import { defaultJobs } from "../sweep/pool.js";
import { parseTime } from "../scenario/units.js";
import { parseJobs } from "./sweep.js";

interface WorkerCliOptions {
  queue: string;
  jobs?: number;
  lockDuration?: number;
  quiet?: boolean;
}

function parseLock(value: string): number {
  const ns = parseTime(value);
  if (typeof ns === "string" || ns < 1e9) throw new InvalidArgumentError("expected a time of at least 1s, such as 30s.");
  return Math.round(ns / 1e6);
}

async function workerCommand(opts: WorkerCliOptions): Promise<void> {
  const jobs = opts.jobs ?? defaultJobs();
  const log = (line: string): void => {
    if (opts.quiet !== true) process.stderr.write(`epcsim worker: ${line}\n`);
  };
  const served = await serveQueue(
    opts.queue,
    { jobs, lockMs: opts.lockDuration ?? DEFAULT_LOCK_MS, onJob: (what, job) => log(`${what === "start" ? "running" : "finished"} variant ${job.id ?? ""}`) },
    (m) => process.stderr.write(`epcsim: warning: ${m}\n`),
  );
  log(`serving ${opts.queue} with ${jobs} worker thread${jobs === 1 ? "" : "s"} (SIGINT or SIGTERM to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log("stopping: finishing the jobs in hand");
  await served.close();
}

export function addWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("run the variants that sweep --queue enqueued (BullMQ on Redis) on this machine's worker threads, until SIGINT or SIGTERM")
    .requiredOption("--queue <url>", "the Redis of the queue, redis://HOST:PORT")
    .option("--jobs <n>", "worker threads, and jobs taken at a time (default: one per core)", parseJobs)
    .option("--lock-duration <time>", "a job whose worker has not renewed its lock for this long is retried elsewhere (default 30s)", parseLock)
    .option("--quiet", "no log lines on stderr")
    .action((opts: WorkerCliOptions) => workerCommand(opts));
}
