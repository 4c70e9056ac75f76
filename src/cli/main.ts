#!/usr/bin/env node
// The `epcsim` command: a thin skin over the engine. It reads files, prints results and maps
// failures to exit codes: 0 the simulation ran, 2 bad input (one line on stderr), 1 internal error.
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import type { SimSummary } from "../engine/summary.js";
import type { Scenario } from "../scenario/types.js";
import { simulateRecorded, simulateWithProgress, writeRunData, writeRunReport, type RecordOptions } from "../report/outputs.js";
import { OutputStaging } from "../report/staging.js";
import { runVariants, VariantOutputs, type VariantSimulator, type VariantToRun } from "./variants.js";
import { createProgress } from "./progress.js";
import { compareRows, expandVariants, formatComparison } from "./compare.js";
import { renderReportHtml } from "../report/html.js";
import { costProfileNames, describeProfile, listProfiles, profileName } from "../hw/costs.js";
import { cgroupWriteSetBy, loadScenarioFile, ScenarioError } from "../scenario/load.js";
import { parseSetArgument } from "../scenario/set-path.js";
import { escapeControls } from "../scenario/quote.js";
import { refusedWriteMessage, ScenarioSetupError } from "../engine/setup-error.js";
import { writeHint } from "../scenario/setup-hint.js";
import { scenarioJsonSchema } from "../scenario/schema.js";
import { formatSummary } from "./format.js";
import { runSelftest } from "./selftest.js";
import { formatConformanceTable, loadConformanceCases, runConformanceCase } from "./conformance.js";
import { parseSize, parseTime } from "../scenario/units.js";
import { TraceError } from "../trace/error.js";
import { replayScenario, ReplayUsageError, type ReplayOptions } from "./replay.js";
import { runNode, settledNodeScenario } from "../k8s/node-scenario.js";
import { ManifestError } from "../k8s/manifest.js";
import { Recorder } from "../report/recorder.js";
import { formatNodeResult, writeNodeFiles } from "./node.js";
import { serveCommand } from "./serve.js";
import { addSweepCommands } from "./sweep-commands.js";
import { GridError } from "../sweep/errors.js";

/** the version in package.json (dist/src/cli -> the package root) */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")) as { version: string };
  return pkg.version;
}

/** an input problem: printed as one line, exit code 2 */
class UsageError extends Error {}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a non-negative integer seed.");
  }
  return Number(value);
}

/** creates the --out directory before anything is simulated; a path that cannot be one is bad input */
function prepareOutDir(dir: string, force: boolean | undefined): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`--out ${dir}: expected a directory epcsim can create and write to (${e instanceof Error ? e.message : String(e)}).`);
  }
  // files of two runs must never mix: an earlier run's directory is replaced only when asked to
  if (force !== true && readdirSync(dir).length > 0) {
    throw new UsageError(`--out ${dir}: expected an empty directory, and this one has files in it (add --force to replace the files of an earlier run).`);
  }
}

function parseInterval(value: string): number {
  const ns = parseTime(value);
  if (typeof ns === "string" && ns.includes("did you mean")) throw new InvalidArgumentError(`${ns}`);
  if (typeof ns === "string" || ns < 1) throw new InvalidArgumentError("expected a positive time such as 1ms or 250us.");
  return ns;
}

/** `--set PATH=VALUE`: the path ends at the first "=" outside brackets (cgroups["/a"]["misc.max"]=...) */
function collectSet(arg: string, previous: Record<string, string> = {}): Record<string, string> {
  let value: string;
  try {
    value = parseSetArgument(arg).value;
  } catch (e) {
    throw new InvalidArgumentError(`${e instanceof Error ? e.message : String(e)}.`);
  }
  return { ...previous, [arg.slice(0, arg.length - value.length - 1)]: value };
}

/** a repeatable option's values, in order */
function collectList(arg: string, previous: string[] = []): string[] {
  return [...previous, arg];
}

/** warnings go to stderr, one line each and each once (compare loads a file once per variant) */
function warnOnce(): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    process.stderr.write(`epcsim: warning: ${message}\n`);
  };
}

/**
 * the simulation of `scenario`; a refused time-zero cgroup write that a --set gave names the
 * argument rather than the file's cgroups section
 */
function simulatingWithSets<T>(scenario: Scenario, sets: Record<string, string> | undefined, simulate: () => T): T {
  try {
    return simulate();
  } catch (e) {
    if (!(e instanceof ScenarioSetupError) || e.refused === undefined) throw e;
    // the line gets the spelling the kernel would take, which only the scenario layer knows
    const r = e.refused;
    const line = refusedWriteMessage(r.source, r.kernel, r.path, r.file, r.value, r.errno, writeHint(r.file, r.value));
    const arg = sets === undefined ? undefined : cgroupWriteSetBy(sets, r.path, r.file);
    if (arg === undefined) throw new ScenarioSetupError(line, r);
    throw new ScenarioSetupError(`${scenario.source}: --set ${arg}: ${line.slice(`${r.source}: cgroups["${r.path}"]["${r.file}"]: `.length)}`);
  }
}

interface RunOptions {
  json?: boolean;
  seed?: number;
  set?: Record<string, string>;
  out?: string;
  checkInvariants?: boolean;
  sampleInterval?: number;
  quiet?: boolean;
  force?: boolean;
}

async function runCommand(file: string, opts: RunOptions): Promise<void> {
  const scenario = loadScenarioFile(file, { ...(opts.seed === undefined ? {} : { seed: opts.seed }), ...(opts.set === undefined ? {} : { set: opts.set }), onWarning: warnOnce() });
  await runLoaded(scenario, basename(file), () => readFileSync(file, "utf8"), opts);
}

interface ReplayCliOptions extends ReplayOptions {
  json?: boolean;
  out?: string;
  sampleInterval?: number;
  checkInvariants?: boolean;
  quiet?: boolean;
  force?: boolean;
}

async function replayCommand(file: string, opts: ReplayCliOptions): Promise<void> {
  const { scenario, text } = replayScenario(file, opts, warnOnce());
  await runLoaded(scenario, basename(file), () => text, opts);
}

/** runs a loaded scenario as `run` does: the summary on stdout, the files with --out */
async function runLoaded(scenario: Scenario, label: string, scenarioText: () => string, opts: RunOptions): Promise<void> {
  if (opts.out !== undefined) prepareOutDir(opts.out, opts.force);
  const progress = createProgress(label, scenario.untilNs, opts.quiet !== true);
  const watch = {
    checkInvariants: opts.checkInvariants ?? false,
    ...(opts.sampleInterval === undefined ? {} : { sampleIntervalNs: opts.sampleInterval }),
    ...(progress.active ? { onProgress: (t: number, n: number) => progress.update(t, n) } : {}),
  };
  let summary: SimSummary;
  if (opts.out !== undefined) {
    const r = simulatingWithSets(scenario, opts.set, () => simulateRecorded(scenario, watch));
    progress.stop();
    summary = r.summary;
    const run = { label, scenario, scenarioText: scenarioText(), summary, recorder: r.recorder };
    await staged(opts.out, async (staging) => {
      writeRunData(staging.dir, run);
      await writeRunReport(staging.dir, run);
    });
  } else {
    // nothing is recorded without --out: a plain run, watched at most by the progress bar
    summary = simulatingWithSets(scenario, opts.set, () => simulateWithProgress(scenario, watch));
    progress.stop();
  }
  process.stdout.write(opts.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
}

interface CompareOptions {
  /** a Node manifest or a profile: the FILEs are pods files run on it (epcsim node) */
  node?: string;
  kernel?: string;
  set?: Record<string, string>;
  seed?: number;
  json?: boolean;
  out?: string;
  sampleInterval?: number;
  quiet?: boolean;
  force?: boolean;
}

const GENERATIONS = ["mainline", "v17", "v5"];

/** the conformance cases in this package, wherever epcsim is run from (dist/src/cli -> the package root) */
const PACKAGED_CASES = fileURLToPath(new URL("../../../test/conformance/", import.meta.url));

async function compareCommand(files: string[], opts: CompareOptions): Promise<void> {
  const kernels = opts.kernel === undefined ? [] : opts.kernel.split(",");
  for (const k of kernels) if (!GENERATIONS.includes(k)) throw new UsageError(`--kernel: expected a comma-separated list of mainline, v17 and v5, got "${opts.kernel ?? ""}".`);
  const specs = expandVariants(files, kernels, opts.set ?? {});
  if (specs.length < 2) throw new UsageError("compare: expected at least two variants (several files, --kernel a,b or --set key=value1,value2).");
  // every variant is loaded (and so validated) before any is simulated
  const onWarning = warnOnce();
  const variants = specs.map((v) => {
    if (opts.node !== undefined) {
      // a pods file on the node, lowered and with its restarts settled as epcsim node runs it
      const { kernel, ...set } = v.set;
      const n = settledNodeScenario({ node: opts.node, pods: v.file, onWarning, ...(kernel === undefined ? {} : { kernel }), ...(opts.seed === undefined ? {} : { seed: opts.seed }) }, set);
      return { label: v.label, scenario: n.scenario, scenarioText: n.text, set };
    }
    const scenario = loadScenarioFile(v.file, { ...(opts.seed === undefined ? {} : { seed: opts.seed }), set: v.set, onWarning });
    return { label: v.label, scenario, scenarioText: readFileSync(v.file, "utf8"), set: v.set };
  });
  const out = opts.out;
  if (out !== undefined) prepareOutDir(out, opts.force);
  const watch = (v: VariantToRun): { progress: ReturnType<typeof createProgress>; options: RecordOptions } => {
    const progress = createProgress(v.label, v.scenario.untilNs, opts.quiet !== true);
    const options = { ...(opts.sampleInterval === undefined ? {} : { sampleIntervalNs: opts.sampleInterval }), ...(progress.active ? { onProgress: (t: number, n: number) => progress.update(t, n) } : {}) };
    return { progress, options };
  };
  const simulator: VariantSimulator = {
    plain: (v) => {
      const w = watch(v);
      const summary = simulatingWithSets(v.scenario, v.set, () => simulateWithProgress(v.scenario, w.options));
      w.progress.stop();
      return summary;
    },
    recorded: (v) => {
      const w = watch(v);
      const r = simulatingWithSets(v.scenario, v.set, () => simulateRecorded(v.scenario, w.options));
      w.progress.stop();
      return r;
    },
  };
  const labels = variants.map((v) => v.label);
  const report = async (outputs: VariantOutputs): Promise<{ summaries: SimSummary[]; json: string }> => {
    const summaries = runVariants(variants, outputs, simulator);
    const rows = compareRows(summaries);
    const json = `${JSON.stringify({ variants: summaries.map((summary, i) => ({ label: labels[i], file: specs[i]?.file, set: specs[i]?.set, summary })), rows }, null, 2)}\n`;
    return { summaries, json };
  };
  let result: { summaries: SimSummary[]; json: string };
  if (out === undefined) {
    result = await report(new VariantOutputs(null));
  } else {
    result = await staged(out, async (staging) => {
      const outputs = new VariantOutputs(staging);
      const r = await report(outputs);
      await outputs.writeReports();
      writeFileSync(join(staging.dir, "comparison.json"), r.json);
      writeFileSync(join(staging.dir, "report.html"), await renderReportHtml({ title: `epcsim compare: ${labels.join(" vs ")}`, variants: outputs.runs }));
      return r;
    });
  }
  process.stdout.write(opts.json === true ? result.json : formatComparison(labels, compareRows(result.summaries)));
}

/**
 * the whole --out set is written under a staging directory and moved into place only if `write`
 * completes; file-system failures while writing are reported in one line
 */
async function staged<T>(dir: string, write: (staging: OutputStaging) => Promise<T>): Promise<T> {
  let staging: OutputStaging | null = null;
  try {
    staging = new OutputStaging(dir);
    const r = await write(staging);
    staging.commit();
    return r;
  } catch (e) {
    if (e instanceof Error && "code" in e && typeof e.code === "string") throw new UsageError(`--out ${dir}: could not write the results (${e.message}).`);
    throw e;
  } finally {
    staging?.discard();
  }
}

interface NodeCliOptions {
  kernel?: string;
  until?: number;
  seed?: number;
  cpus?: string;
  memory?: string;
  json?: boolean;
  out?: string;
  sampleInterval?: number;
  quiet?: boolean;
  force?: boolean;
}

/** `epcsim node NODE PODS`: the manifests lowered into a scenario (src/k8s), the outcome per pod */
async function nodeCommand(nodeArg: string, pods: string, opts: NodeCliOptions): Promise<void> {
  if (opts.out !== undefined) prepareOutDir(opts.out, opts.force);
  const progress = createProgress(basename(pods), opts.until ?? 10_000_000_000, opts.quiet !== true);
  let recorder: Recorder | null = null;
  const input = { node: nodeArg, pods, onWarning: warnOnce(), ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }), ...(opts.until === undefined ? {} : { untilNs: opts.until }), ...(opts.seed === undefined ? {} : { seed: opts.seed }), ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }), ...(opts.memory === undefined ? {} : { memory: opts.memory }) };
  const { result, sim } = runNode(input, {
    ...(progress.active ? { onProgress: (t: number, n: number) => progress.update(t, n) } : {}),
    observer: () => {
      if (opts.out === undefined) return null;
      recorder = new Recorder(opts.sampleInterval === undefined ? {} : { sampleIntervalNs: opts.sampleInterval });
      return recorder;
    },
  });
  progress.stop();
  const rec = recorder as Recorder | null;
  if (opts.out !== undefined && rec !== null) {
    const run = { label: `node ${basename(pods)}`, scenario: sim.scenario, scenarioText: sim.text, summary: sim.summary, recorder: rec };
    await staged(opts.out, async (staging) => {
      writeRunData(staging.dir, run);
      await writeRunReport(staging.dir, run);
      await writeNodeFiles(staging.dir, result, sim.series);
    });
  }
  process.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatNodeResult(result));
}

interface SelftestCliOptions {
  kernel: string;
  script?: string;
  capacity: string;
  cpus: string;
  seed?: number;
  profile: string;
  json?: boolean;
  out?: string;
  quiet?: boolean;
  force?: boolean;
}

async function selftestCommand(opts: SelftestCliOptions): Promise<number> {
  if (!["mainline", "v17", "v5"].includes(opts.kernel)) throw new UsageError(`--kernel: expected mainline, v17 or v5, got "${opts.kernel}".`);
  const kernel = opts.kernel as "mainline" | "v17" | "v5";
  const script = opts.script ?? (kernel === "v5" ? "v5" : "final");
  if (script !== "v5" && script !== "final") throw new UsageError(`--script: expected v5 or final, got "${script}".`);
  const capacity = parseSize(opts.capacity);
  if (typeof capacity === "string" || capacity % 4096 !== 0 || capacity === 0) {
    const why = typeof capacity === "string" ? capacity : "expected a positive multiple of 4096 bytes";
    throw new UsageError(`--capacity: ${why}${why.endsWith("?") ? "" : "."}`);
  }
  const cpus = Number(opts.cpus);
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 1024) throw new UsageError(`--cpus: expected a whole number from 1 to 1024, got "${opts.cpus}".`);
  const profile = profileName(opts.profile);
  if (profile === undefined) throw new UsageError(`--profile: expected one of ${costProfileNames.join(", ")}, got "${opts.profile}".`);
  const out = opts.out;
  if (out !== undefined) prepareOutDir(out, opts.force);
  const simulateAll = (outputs: VariantOutputs): ReturnType<typeof runSelftest> =>
    runSelftest({
      kernel,
      script,
      capacityBytes: capacity,
      cpus,
      seed: opts.seed ?? 1,
      profile,
      simulatePhase: (scenario: Scenario, yaml: string, phase: number): SimSummary => {
        const progress = createProgress(`phase ${phase}`, null, opts.quiet !== true);
        const watch = progress.active ? { onProgress: (t: number, n: number) => progress.update(t, n) } : {};
        if (!outputs.writing) {
          const summary = simulateWithProgress(scenario, watch);
          progress.stop();
          return summary;
        }
        outputs.beforeNext();
        const r = simulateRecorded(scenario, watch);
        progress.stop();
        // this phase's files now, into DIR/phaseN; only its report data is kept
        outputs.add({ label: `phase ${phase}`, scenario, scenarioText: yaml, ...r }, `phase${outputs.runs.length + 1}`);
        return r.summary;
      },
    });
  const result =
    out === undefined
      ? simulateAll(new VariantOutputs(null))
      : await staged(out, async (staging) => {
          const outputs = new VariantOutputs(staging);
          const r = simulateAll(outputs);
          await outputs.writeReports();
          writeFileSync(join(staging.dir, "selftest.tap"), r.tap);
          return r;
        });
  if (opts.json === true) {
    const json = { exitCode: result.exitCode, skipped: result.skipped, phases: result.phases.map(({ summary: _s, ...rest }) => rest) };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(result.tap);
  }
  return result.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name("epcsim")
    .description("A deterministic, kernel-faithful simulator of Linux SGX EPC memory management.")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    // commander quotes a bad argument in its error: keep its lines, escape what is in them
    .configureOutput({ writeErr: (s) => process.stderr.write(s.split("\n").map(escapeControls).join("\n")) });
  program
    .command("run")
    .description("simulate a scenario file (YAML or JSON) and print a summary")
    .argument("<file>", "scenario file")
    .option("--json", "print the full result as one JSON document")
    .option("--seed <n>", "override the scenario's seed", parseSeed)
    .option("--set <key=value>", "override a scenario field by its dotted path (repeatable), e.g. policy.oomVictim=most-epc", collectSet)
    .option("--out <dir>", "write summary.json, timeseries.csv, events.jsonl, trace.json and report.html into this directory")
    .option("--sample-interval <time>", "time-series sampling interval in simulated time (default 1ms)", parseInterval)
    .option("--check-invariants", "check the kernel-state invariants after every event")
    .option("--quiet", "no progress bar on stderr")
    .option("--force", "write --out into a directory that is not empty, replacing the files of an earlier run")
    .action((file: string, opts: RunOptions) => runCommand(file, opts));
  program
    .command("replay")
    .description("replay a page-access trace (libCacheSim oracleGeneral, csv or txt, optionally .zst) in one enclave per tenant, built, mapped and then driven by the trace, and print a summary with its miss ratio")
    .argument("<trace>", "trace file")
    .option("--format <format>", "oracleGeneral, csv or txt (default: from the file name)")
    .option("--kernel <generation>", "mainline, v17 or v5", "mainline")
    .option("--profile <name>", "platform profile (see epcsim profiles)", "client-128m")
    .option("--epc <size>", "the machine's EPC (default: the profile's)")
    .option("--cpus <n>", "logical CPUs (default 2)")
    .option("--seed <n>", "seed", parseSeed)
    .option("--tenant-column", "each tenant of the trace's tenant column is its own process and enclave")
    .option("--cgroup <tenant=path>", "put a tenant's process in a cgroup (repeatable); a bare path, e.g. /r, puts every tenant's there (a trace without --tenant-column has one, unnamed)", collectList)
    .option("--limit <path=size>", "misc.max of a cgroup, e.g. /a=64MiB (repeatable; v17 and v5)", collectList)
    .option("--timing <mode>", "ignore (default): back-to-back requests; trace: the gaps between timestamps become think time")
    .option("--json", "print the full result as one JSON document")
    .option("--out <dir>", "write summary.json, timeseries.csv, events.jsonl, trace.json and report.html into this directory")
    .option("--sample-interval <time>", "time-series sampling interval in simulated time (default 1ms)", parseInterval)
    .option("--check-invariants", "check the kernel-state invariants after every event")
    .option("--quiet", "no progress bar on stderr")
    .option("--force", "write --out into a directory that is not empty, replacing the files of an earlier run")
    .action((file: string, opts: ReplayCliOptions) => replayCommand(file, opts));
  program
    .command("node")
    .description("what happens on this node with these pods: Kubernetes manifests (a Node or a profile, and Pods) run as the platform would run them, with per-pod outcomes")
    .argument("<node>", "a Node manifest (kubectl get node NAME -o yaml), or a profile name (epcsim profiles) with --cpus and --memory")
    .argument("<pods>", "Pod manifests: a multi-document YAML or a List (kubectl get pods -o yaml)")
    .option("--kernel <generation>", "mainline, v17 or v5", "mainline")
    .option("--until <time>", "simulated time to run (default 10s)", parseInterval)
    .option("--seed <n>", "seed", parseSeed)
    .option("--cpus <n>", "CPUs of a profile node (default: the profile's)")
    .option("--memory <quantity>", "memory of a profile node, a Kubernetes quantity such as 16Gi (default: not checked)")
    .option("--json", "print the per-pod result as one JSON document")
    .option("--out <dir>", "write the node run's summary.json, timeseries.csv, events.jsonl, trace.json, report.html, and node.json, pod-epc.csv and node.html")
    .option("--sample-interval <time>", "time-series sampling interval with --out (default 1ms)", parseInterval)
    .option("--quiet", "no progress bar on stderr")
    .option("--force", "write --out into a directory that is not empty, replacing the files of an earlier run")
    .action((nodeArg: string, pods: string, opts: NodeCliOptions) => nodeCommand(nodeArg, pods, opts));
  program
    .command("compare")
    .description("run variants of a scenario and print their outcomes side by side: several files, --kernel mainline,v17,v5, or --set key=value1,value2")
    .argument("<files...>", "scenario files")
    .option("--kernel <list>", "comma-separated kernel generations, e.g. mainline,v17,v5")
    .option("--node <node>", "the FILEs are pods files run on this node (a Node manifest or a profile), as epcsim node runs them")
    .option("--set <key=values>", "override a field with each comma-separated value in turn (repeatable: the variants are all combinations)", collectSet)
    .option("--seed <n>", "override every variant's seed", parseSeed)
    .option("--json", "print the variants' summaries and the comparison as JSON")
    .option("--out <dir>", "write one report.html overlaying the variants, comparison.json, and each variant's outputs in a subdirectory")
    .option("--sample-interval <time>", "time-series sampling interval (default 1ms)", parseInterval)
    .option("--quiet", "no progress bar on stderr")
    .option("--force", "write --out into a directory that is not empty, replacing the files of an earlier run")
    .action((files: string[], opts: CompareOptions) => compareCommand(files, opts));
  program
    .command("selftest")
    .description("run the EPC cgroup series' selftest (run_epc_cg_selftests.sh) against the simulator; TAP output")
    .option("--kernel <generation>", "mainline, v17 or v5", "v17")
    .option("--script <generation>", "v5 or final (default: the one that goes with the kernel)")
    .option("--capacity <size>", "EPC capacity", "128MiB")
    .option("--cpus <n>", "CPUs", "8")
    .option("--seed <n>", "seed", parseSeed)
    .option("--profile <name>", "platform profile (its costs; --capacity and --cpus stay as given)", "client-128m")
    .option("--json", "print the result as JSON")
    .option("--out <dir>", "write each phase's outputs (summary.json, timeseries.csv, events.jsonl, trace.json, report.html) into DIR/phaseN/, and the TAP into DIR/selftest.tap")
    .option("--quiet", "no progress bar on stderr")
    .option("--force", "write --out into a directory that is not empty, replacing the files of an earlier run")
    .action(async (opts: SelftestCliOptions) => {
      process.exitCode = await selftestCommand(opts);
    });
  program
    .command("conformance")
    .description("run the conformance cases (one kernel behaviour each) and print behaviour, generation, expected, observed, pass/fail")
    .option("--dir <dir>", "directory of case files (default: the cases that ship with epcsim, in its test/conformance)")
    .option("--json", "print the rows as JSON")
    .action((opts: { dir?: string; json?: boolean }) => {
      let cases;
      try {
        cases = loadConformanceCases(opts.dir ?? PACKAGED_CASES);
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
      const rows = cases.flatMap(runConformanceCase);
      process.stdout.write(opts.json === true ? `${JSON.stringify(rows, null, 2)}\n` : formatConformanceTable(rows));
      process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
    });
  program
    .command("schema")
    .description("print the JSON Schema of scenario files")
    .action(() => {
      process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
    });
  program
    .command("profiles")
    .description("list the platform profiles (EPC, sections/NUMA, CPUs, clock), or print one profile's platform and costs with their sources")
    .argument("[name]", "profile name (or an alias such as Standard_DC4s_v3)")
    .action((name?: string) => {
      if (name === undefined) {
        process.stdout.write(`${listProfiles()}\n`);
        return;
      }
      if (profileName(name) === undefined) throw new UsageError(`Unknown profile "${name}"; expected one of ${costProfileNames.join(", ")}.`);
      process.stdout.write(`${describeProfile(name)}\n`);
    });
  program
    .command("serve")
    .description("a live dashboard in the browser: pick or paste a scenario, run or compare it and watch its charts; the results and every --out file under --dir")
    .option("--port <n>", "TCP port (0: any free one)", "8080")
    .option("--host <address>", "listen on this address instead of 127.0.0.1 (reachable from other machines: a warning says so)")
    .option("--dir <dir>", "the folder whose scenarios are listed and under which uploads/ and results/ are written; nothing outside it is read or served", ".")
    .option("--jobs <n>", "simulations at once; the rest queue", "1")
    .action((opts: { port: string; host?: string; dir: string; jobs: string }) => serveCommand(opts, (m) => new UsageError(m)));
  addSweepCommands(program);
  try {
    process.exitCode = 0;
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof ScenarioError || err instanceof UsageError || err instanceof ScenarioSetupError || err instanceof TraceError || err instanceof ReplayUsageError || err instanceof ManifestError || err instanceof GridError) {
      // the message may quote input: control characters never reach the terminal raw
      process.stderr.write(`epcsim: ${escapeControls(err.message)}\n`);
      return 2;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`epcsim: internal error: ${e.message}\n${e.stack ?? ""}\n`);
    return 1;
  }
}

// a reader that stops early (`epcsim schema | head`) is not an error: end quietly
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
