// What passes between the dashboard's server and the worker thread that simulates a job, and what
// the server streams to the page: the worker's messages, numbered, as server-sent events. The data
// is the --out recording's own: `samples` carries timeseries.csv's rows (the Recorder's
// TimeSeriesRow objects) and `events` events.jsonl's lines (SimEvent objects), so a page that
// replays a stream draws what a page that watched it live drew.
import type { SimEvent } from "../engine/observer.js";
import type { SimSummary } from "../engine/summary.js";
import type { TimeSeriesRow } from "../report/recorder.js";

/** what a job is to do; paths are absolute, `root` is --dir's real path */
export type JobInput =
  | { kind: "run"; root: string; file: string; seed?: number; set?: Record<string, string> }
  | { kind: "compare"; root: string; files: string[]; kernels: string[]; set: Record<string, string>; seed?: number }
  | { kind: "sweep"; root: string; file: string };

/** a worker's workerData: the job and its output folder */
export type JobRequest = JobInput & { outDir: string };

/** a variant's facts known before it runs, for the charts' scales and the progress's ETA */
export interface VariantMeta {
  variant: number;
  /** how many variants the job has (1 for a run) */
  variants: number;
  label: string;
  kernel: string;
  totalPages: number;
  untilNs: number | null;
  sampleIntervalNs: number;
  /** ksgxd's watermarks (SGX_NR_LOW_PAGES, SGX_NR_HIGH_PAGES) */
  lowPages: number;
  highPages: number;
}

/** one row per outcome, one value per variant (compare's table) */
export interface ComparisonRowMessage {
  what: string;
  values: string[];
  section?: string;
}

export type WorkerMessage =
  | ({ type: "meta" } & VariantMeta)
  | { type: "samples"; variant: number; rows: TimeSeriesRow[] }
  | { type: "events"; variant: number; events: SimEvent[] }
  | { type: "progress"; variant: number; nowNs: number; events: number }
  /** a variant has ended; `causes` explains each process's cause in words (explainCause()) */
  | { type: "variant-done"; variant: number; summary: SimSummary; causes: Record<string, string> }
  /** a sweep's variants, before any runs: index, id and axis values, in the grid's order */
  | { type: "sweep-variants"; columns: string[]; variants: { index: number; id: string; axes: Record<string, string> }[] }
  /** a sweep's variant has a result: the outcome per process, paging, simulated time (sweep.csv's facts) */
  | { type: "sweep-result"; index: number; done: number; total: number; simulatedNs: number; exits: string; ewb: number; eldu: number; error: string | null }
  /** the job's files are written; `rows` is the comparison (compare jobs) */
  | { type: "done"; rows?: ComparisonRowMessage[] }
  /** bad input (one line, as the CLI prints it) or an internal error */
  | { type: "error"; message: string; input: boolean };

/** what the stream adds to the worker's messages */
export type StreamMessage =
  | WorkerMessage
  /** queued, running, done, failed or stopped; `dir` is the job's output folder relative to --dir */
  | { type: "status"; status: JobStatus; dir: string; wallMs: number }
  /** progress with the wall-clock time since the job started, for events/s and the ETA */
  | { type: "progress"; variant: number; nowNs: number; events: number; wallMs?: number };

/** compare's line for fewer than two variants (the CLI's words), from the server or the worker */
export const TOO_FEW_VARIANTS = "compare: expected at least two variants (several files, --kernel a,b or --set key=value1,value2).";

export type JobStatus = "queued" | "running" | "done" | "failed" | "stopped";
