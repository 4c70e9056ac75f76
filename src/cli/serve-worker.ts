// The worker thread of `epcsim serve`: simulates one job (a run, a compare or a sweep) as the run and compare
// commands do with --out, into the job's output folder, and streams the recording to the server
// while it grows: the Recorder's new time-series rows and events, at most every STREAM_EVERY_MS of
// wall-clock time (read here, never in the engine), then the summaries. It is a command run in a
// thread, hence in cli/; the server (web/) starts it by URL and knows only its messages.
import { readFileSync, writeFileSync } from "node:fs";
import { basename, relative, sep } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { explainCause } from "../engine/cause.js";
import { refusedWriteMessage, ScenarioSetupError } from "../engine/setup-error.js";
import type { SimSummary } from "../engine/summary.js";
import { SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES } from "../kernel/sgx.js";
import { writeRunData, writeRunReport } from "../report/outputs.js";
import { renderReportHtml } from "../report/html.js";
import { Recorder } from "../report/recorder.js";
import { OutputStaging } from "../report/staging.js";
import { loadScenarioFile, ScenarioError } from "../scenario/load.js";
import { writeHint } from "../scenario/setup-hint.js";
import type { Scenario } from "../scenario/types.js";
import { TraceError } from "../trace/error.js";
import { createSimulator } from "../programs/run.js";
import type { Simulator } from "../engine/sim.js";
import { gridFileOutsideRoot, traceOutsideRoot } from "../web/confine.js";
import { TOO_FEW_VARIANTS, type JobRequest, type WorkerMessage } from "../web/protocol.js";
import { compareRows, expandVariants } from "./compare.js";
import { runVariants, VariantOutputs, type VariantToRun } from "./variants.js";
import { loadGrid } from "../sweep/grid.js";
import { axisColumns, expandGrid } from "../sweep/variants.js";
import { runSweep } from "../sweep/sweep.js";
import { defaultJobs, VariantPool } from "../sweep/pool.js";
import { GridError } from "../sweep/errors.js";

const STREAM_EVERY_MS = 100;

const post = (m: WorkerMessage): void => parentPort?.postMessage(m);

/** bad input, reported as the CLI reports it (one line) */
class InputError extends Error {}

/** a Recorder that hands what it has gained to the server now and then while the run goes on */
class StreamingRecorder extends Recorder {
  private sentRows = 0;
  private sentEvents = 0;
  private lastPost = Date.now();
  private simulator: Simulator | null = null;

  constructor(private readonly variant: number) {
    super();
  }

  override attach(sim: Simulator): void {
    super.attach(sim);
    this.simulator = sim;
  }

  override sample(atNs: number): void {
    super.sample(atNs);
    if (Date.now() - this.lastPost >= STREAM_EVERY_MS) this.flush(atNs);
  }

  override progress(nowNs: number, events: number): void {
    super.progress(nowNs, events);
    if (Date.now() - this.lastPost >= STREAM_EVERY_MS) this.flush(nowNs);
  }

  /** posts the rows and events not posted yet, and the progress (the events the simulator has processed) */
  flush(nowNs: number, events = this.simulator?.events ?? 0): void {
    this.lastPost = Date.now();
    if (this.rows.length > this.sentRows) post({ type: "samples", variant: this.variant, rows: this.rows.slice(this.sentRows) });
    this.sentRows = this.rows.length;
    if (this.events.length > this.sentEvents) post({ type: "events", variant: this.variant, events: this.events.slice(this.sentEvents) });
    this.sentEvents = this.events.length;
    post({ type: "progress", variant: this.variant, nowNs, events });
  }
}

/** the path as the page shows it: relative to --dir */
const shown = (root: string, path: string): string => relative(root, path).split(sep).join("/");

/** loads a scenario file under --dir, its messages naming it relative to --dir; no trace outside --dir is read */
function load(root: string, file: string, overrides: { seed?: number; set?: Record<string, string> }): { scenario: Scenario; text: string } {
  const text = readFileSync(file, "utf8");
  const outside = traceOutsideRoot(text, shown(root, file), file, root);
  if (outside !== null) throw new InputError(outside);
  try {
    return { scenario: loadScenarioFile(file, overrides), text };
  } catch (e) {
    if (e instanceof ScenarioError) throw new InputError(e.message.split(root + sep).join(""));
    throw e;
  }
}

function simulate(v: VariantToRun, variant: number, variants: number): { summary: SimSummary; recorder: Recorder } {
  const s = v.scenario;
  const recorder = new StreamingRecorder(variant);
  post({
    type: "meta",
    variant,
    variants,
    label: v.label,
    kernel: s.kernel,
    totalPages: s.machine.sections.reduce((n, x) => n + x.size, 0) / 4096,
    untilNs: s.untilNs,
    sampleIntervalNs: recorder.sampleIntervalNs,
    lowPages: SGX_NR_LOW_PAGES,
    highPages: SGX_NR_HIGH_PAGES,
  });
  const sim = createSimulator(s, { checkInvariants: false, observer: recorder });
  recorder.attach(sim);
  let summary: SimSummary;
  try {
    summary = sim.run();
  } catch (e) {
    // a refused time-zero cgroup write is bad input, in the CLI's words
    if (e instanceof ScenarioSetupError) {
      const r = e.refused;
      throw new InputError(r === undefined ? e.message : refusedWriteMessage(r.source, r.kernel, r.path, r.file, r.value, r.errno, writeHint(r.file, r.value)));
    }
    throw e;
  }
  recorder.flush(summary.simulatedNs, summary.events);
  const causes: Record<string, string> = {};
  for (const p of summary.processes) if (p.cause !== null) causes[p.name] = explainCause(p.cause);
  post({ type: "variant-done", variant, summary, causes });
  return { summary, recorder };
}

async function runJob(req: Extract<JobRequest, { kind: "run" }>): Promise<void> {
  const { scenario, text } = load(req.root, req.file, { ...(req.seed === undefined ? {} : { seed: req.seed }), ...(req.set === undefined ? {} : { set: req.set }) });
  const label = basename(req.file);
  const { summary, recorder } = simulate({ label, scenario, scenarioText: text }, 0, 1);
  const staging = new OutputStaging(req.outDir);
  try {
    const run = { label, scenario, scenarioText: text, summary, recorder };
    writeRunData(staging.dir, run);
    await writeRunReport(staging.dir, run);
    staging.commit();
  } finally {
    staging.discard();
  }
  post({ type: "done" });
}

async function compareJob(req: Extract<JobRequest, { kind: "compare" }>): Promise<void> {
  const specs = expandVariants(
    req.files.map((f) => shown(req.root, f)),
    req.kernels,
    req.set,
  );
  if (specs.length < 2) throw new InputError(TOO_FEW_VARIANTS);
  const variants = specs.map((v) => {
    const { scenario, text } = load(req.root, `${req.root}${sep}${v.file}`, { ...(req.seed === undefined ? {} : { seed: req.seed }), set: v.set });
    return { label: v.label, scenario, scenarioText: text, set: v.set };
  });
  const staging = new OutputStaging(req.outDir);
  try {
    const outputs = new VariantOutputs(staging);
    let i = 0;
    const summaries = runVariants(variants, outputs, {
      plain: () => {
        throw new Error("The dashboard always records its variants.");
      },
      recorded: (v) => simulate(v, i++, variants.length),
    });
    await outputs.writeReports();
    const rows = compareRows(summaries);
    const labels = variants.map((v) => v.label);
    const json = { variants: summaries.map((summary, k) => ({ label: labels[k], file: specs[k]?.file, set: specs[k]?.set, summary })), rows };
    writeFileSync(`${staging.dir}${sep}comparison.json`, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(`${staging.dir}${sep}report.html`, await renderReportHtml({ title: `epcsim compare: ${labels.join(" vs ")}`, variants: outputs.runs }));
    staging.commit();
    post({ type: "done", rows });
  } finally {
    staging.discard();
  }
}

/** a sweep grid under --dir, its variants on the sweep's own pool of worker threads, as `epcsim sweep --out` runs it */
async function sweepJob(req: Extract<JobRequest, { kind: "sweep" }>): Promise<void> {
  let grid;
  let variants;
  const outside = gridFileOutsideRoot(readFileSync(req.file, "utf8"), shown(req.root, req.file), req.file, req.root);
  if (outside !== null) throw new InputError(outside);
  try {
    grid = loadGrid(req.file);
    // the base scenario's trace files too
    const traces = grid.node === null ? traceOutsideRoot(grid.baseText, shown(req.root, grid.basePath), grid.basePath, req.root) : null;
    if (traces !== null) throw new InputError(traces);
    variants = expandGrid(grid);
  } catch (e) {
    if (e instanceof GridError) throw new InputError(e.message.split(req.root + sep).join(""));
    throw e;
  }
  post({ type: "sweep-variants", columns: axisColumns(grid), variants: variants.map((v) => ({ index: v.index, id: v.id, axes: v.axes })) });
  await runSweep(grid, variants, new VariantPool(defaultJobs()), {
    dir: req.outDir,
    shard: null,
    onResult: (v, r, done, total) => {
      const exits = r.processes.map((p) => `${p.name}: ${p.exit}`).join(", ");
      post({ type: "sweep-result", index: v.index, done, total, simulatedNs: r.simulatedNs, exits, ewb: r.counters.EWB, eldu: r.counters.ELDU, error: r.error });
    },
  });
  post({ type: "done" });
}

const req = workerData as JobRequest;
try {
  await (req.kind === "run" ? runJob(req) : req.kind === "compare" ? compareJob(req) : sweepJob(req));
} catch (e) {
  const input = e instanceof InputError || e instanceof ScenarioError || e instanceof TraceError || e instanceof GridError;
  const message = e instanceof Error ? e.message : String(e);
  post({ type: "error", message: input ? message : `internal error: ${message}`, input });
}
