// The dashboard's jobs: each run or compare simulates in its own worker thread (never in the
// server's event loop), at most `jobs` at once, the rest waiting in order. A job keeps every message
// it streamed, numbered from 1, so that a page that reconnects with Last-Event-ID gets exactly the
// ones it missed, and a page opened late gets them all.
import { rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { JobInput, JobRequest, JobStatus, StreamMessage, WorkerMessage } from "./protocol.js";

export interface JobInfo {
  id: string;
  kind: JobRequest["kind"];
  label: string;
  status: JobStatus;
  /** the output folder, relative to --dir */
  dir: string;
  /** for a queued job, how many jobs are ahead of it */
  position: number | null;
  error: string | null;
}

type Listener = (id: number, message: StreamMessage) => void;

export class Job {
  readonly messages: StreamMessage[] = [];
  status: JobStatus = "queued";
  error: string | null = null;
  worker: Worker | null = null;
  private startedAt = 0;
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly id: string,
    readonly label: string,
    readonly request: JobRequest,
    /** the output folder relative to --dir */
    readonly dir: string,
  ) {
    this.push({ type: "status", status: "queued", dir, wallMs: 0 });
  }

  get finished(): boolean {
    return this.status === "done" || this.status === "failed" || this.status === "stopped";
  }

  push(message: StreamMessage): void {
    this.messages.push(message);
    const id = this.messages.length;
    for (const l of this.listeners) l(id, message);
  }

  setStatus(status: JobStatus): void {
    if (status === "running") this.startedAt = Date.now();
    this.status = status;
    this.push({ type: "status", status, dir: this.dir, wallMs: this.wallMs() });
  }

  wallMs(): number {
    return this.startedAt === 0 ? 0 : Date.now() - this.startedAt;
  }

  /** the messages after `lastId` (1-based ids), then every later one as it comes; returns the unsubscribe */
  subscribe(lastId: number, listener: Listener): () => void {
    for (let i = Math.max(0, lastId); i < this.messages.length; i++) listener(i + 1, this.messages[i] as StreamMessage);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running = 0;
  private next = 1;

  constructor(
    private readonly maxRunning: number,
    /** the worker module (cli/serve-worker.js) */
    private readonly workerUrl: URL,
    /** the output folder of a job: its absolute path and its path relative to --dir */
    private readonly outputFolder: (label: string) => { abs: string; rel: string },
  ) {}

  add(label: string, request: JobInput): Job {
    const id = String(this.next++);
    const out = this.outputFolder(label);
    const job = new Job(id, label, { ...request, outDir: out.abs }, out.rel);
    this.jobs.set(id, job);
    this.waiting.push(job);
    this.pump();
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => this.info(j));
  }

  info(j: Job): JobInfo {
    const pos = this.waiting.indexOf(j);
    return { id: j.id, kind: j.request.kind, label: j.label, status: j.status, dir: j.dir, position: pos < 0 ? null : pos, error: j.error };
  }

  /** stops a running job (its worker is terminated) or takes a queued one off the queue; its unfinished folder is removed */
  async stop(job: Job): Promise<void> {
    if (job.finished) return;
    const pos = this.waiting.indexOf(job);
    const w = job.worker;
    job.worker = null;
    job.setStatus("stopped");
    if (pos >= 0) this.waiting.splice(pos, 1);
    else {
      this.running--;
      this.pump();
    }
    // the folder goes once the thread that may be writing into it has ended
    if (w !== null) await w.terminate();
    rmSync(job.request.outDir, { recursive: true, force: true });
  }

  /** terminates every worker (the server is closing): the queued jobs first, so that none starts */
  async close(): Promise<void> {
    for (const j of [...this.waiting]) await this.stop(j);
    await Promise.all([...this.jobs.values()].map((j) => this.stop(j)));
  }

  private pump(): void {
    while (this.running < this.maxRunning && this.waiting.length > 0) {
      const job = this.waiting.shift() as Job;
      this.start(job);
    }
  }

  private start(job: Job): void {
    this.running++;
    job.setStatus("running");
    const worker = new Worker(this.workerUrl, { workerData: job.request });
    job.worker = worker;
    const end = (status: JobStatus, error: string | null): void => {
      if (job.worker !== worker) return;
      job.worker = null;
      job.error = error;
      job.setStatus(status);
      this.running--;
      this.pump();
    };
    worker.on("message", (m: WorkerMessage) => {
      if (job.worker !== worker) return;
      if (m.type === "progress") job.push({ ...m, wallMs: job.wallMs() });
      else job.push(m);
      if (m.type === "done") end("done", null);
      else if (m.type === "error") end("failed", m.message);
    });
    worker.on("error", (e) => end("failed", `internal error: ${e.message}`));
    worker.on("exit", (code) => end("failed", `internal error: the simulation's worker thread exited with code ${code} before it finished.`));
  }
}
