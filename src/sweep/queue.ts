// The distributed backend: BullMQ on Redis. `sweep --queue URL` enqueues each variant as a job whose
// id is the variant id (adding a job whose id exists is a no-op, so enqueueing is idempotent and a
// variant finished by an earlier sweep is not run again) and waits for the results; `epcsim worker
// --queue URL` runs the jobs on its local pool. A worker that dies mid-job leaves its lock to expire;
// another worker's stalled-job check puts the job back in the queue and it runs again.
import type { Queue, QueueEvents, Job } from "bullmq";
import type { Redis } from "ioredis";
import { GridError } from "./errors.js";
import type { VariantResult } from "./result.js";
import type { VariantTask } from "./run-variant.js";
import type { Runner } from "./sweep.js";
import { VariantPool } from "./pool.js";

export const QUEUE_NAME = "epcsim-variants";

/** how long a job's lock lasts without renewal (and how often the stalled check runs): a dead worker's job is retried after about this long */
export const DEFAULT_LOCK_MS = 30_000;

/** BullMQ and ioredis, loaded by the commands that use a queue only (they take a quarter of a second to load) */
async function queueLibraries(): Promise<{ bullmq: typeof import("bullmq"); Redis: typeof import("ioredis").Redis }> {
  const [bullmq, { Redis }] = await Promise.all([import("bullmq"), import("ioredis")]);
  return { bullmq, Redis };
}

function connection(url: string, Redis: typeof import("ioredis").Redis): Redis {
  if (!/^rediss?:\/\/[^/]+/.test(url)) throw new GridError(`--queue ${url}: expected a Redis URL such as redis://127.0.0.1:6379.`);
  // BullMQ's blocking commands need maxRetriesPerRequest null
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
}

/**
 * connects, and checks that Redis keeps every key: BullMQ needs maxmemory-policy noeviction (under
 * any other policy, Redis may evict jobs or locks when memory runs short). A Redis whose CONFIG
 * command is disabled cannot be asked: `warn` says so.
 */
export async function connectChecked(url: string, warn: (message: string) => void): Promise<Redis> {
  const { Redis } = await queueLibraries();
  const redis = connection(url, Redis);
  // fail fast on a bad address rather than retrying for ever
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
  } catch (e) {
    probe.disconnect();
    throw new GridError(`--queue ${url}: cannot connect to Redis (${(e as Error).message}).`);
  }
  let policy: string | null = null;
  try {
    const reply = (await probe.config("GET", "maxmemory-policy")) as string[];
    policy = reply[1] ?? null;
  } catch {
    warn(`--queue ${url}: could not read Redis's maxmemory-policy (CONFIG GET is not allowed); BullMQ needs noeviction, make sure it is set.`);
  } finally {
    probe.disconnect();
  }
  if (policy !== null && policy !== "noeviction") {
    redis.disconnect();
    throw new GridError(`--queue ${url}: Redis's maxmemory-policy is ${policy}; BullMQ needs noeviction, or Redis may evict jobs when memory runs short (CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf).`);
  }
  await redis.connect();
  return redis;
}

/** the sweep's side: a Runner whose run() enqueues the variant and resolves with the result some worker computed */
export class QueueRunner implements Runner {
  private readonly queue: Queue<VariantTask, VariantResult>;
  private readonly events: QueueEvents;

  private constructor(
    private readonly redis: Redis,
    { Queue, QueueEvents }: typeof import("bullmq"),
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection: redis });
    // QueueEvents blocks on its connection: a connection of its own
    this.events = new QueueEvents(QUEUE_NAME, { connection: redis.duplicate() });
    this.events.setMaxListeners(0);
    this.queue.setMaxListeners(0);
  }

  static async open(url: string, warn: (message: string) => void): Promise<QueueRunner> {
    const redis = await connectChecked(url, warn);
    return new QueueRunner(redis, (await queueLibraries()).bullmq);
  }

  async run(task: VariantTask): Promise<VariantResult> {
    const job = await this.queue.add("variant", task, { jobId: task.id, attempts: 3, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
    return (await job.waitUntilFinished(this.events)) as VariantResult;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

export interface WorkerOptions {
  jobs: number;
  lockMs: number;
  /** called when a job starts and ends (for the log line on stderr) */
  onJob?: (what: "start" | "done", job: Job<VariantTask, VariantResult>) => void;
}

/** the worker's side: serves the queue on a local pool until close() */
export async function serveQueue(url: string, options: WorkerOptions, warn: (message: string) => void): Promise<{ close: () => Promise<void> }> {
  const redis = await connectChecked(url, warn);
  const { Worker } = (await queueLibraries()).bullmq;
  const pool = new VariantPool(options.jobs);
  const worker = new Worker<VariantTask, VariantResult>(
    QUEUE_NAME,
    async (job) => {
      options.onJob?.("start", job);
      const r = await pool.run(job.data);
      options.onJob?.("done", job);
      return r;
    },
    // a job whose lock was not renewed for lockMs is stalled: put back in the queue (twice at most, then failed)
    { connection: redis, concurrency: options.jobs, lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 2 },
  );
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      await pool.close();
      redis.disconnect();
    },
  };
}
