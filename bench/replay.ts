// The bench's side-by-side part (issue 13): `epcsim replay` against libCacheSim's `cachesim` CLOCK on
// the same generated traces, each as a child process timed from spawn to exit (whole-process wall
// time: start-up and trace reading included, as a user would see it). libCacheSim is not a
// dependency: the user passes a `cachesim` binary they built with `--cachesim PATH`.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeOracleGeneral } from "../src/trace/generate.js";

export const REQUESTS = 4_000_000;
export const PAGES = 1_048_576;
const PAGE = 4096;
const RUNS = 3;
/** a replay slower than this runs once per cell instead of RUNS times, to keep the bench within minutes */
const SLOW_MS = 120_000;

// the command a user runs (bin/epcsim.js): the one-file bundle of the CLI
const cli = fileURLToPath(new URL("../src/cli/epcsim.js", import.meta.url));
// the ceiling: the kernel's replacement decisions alone, with the same trace reader (bare-loop.ts)
const bareLoop = fileURLToPath(new URL("./bare-loop.js", import.meta.url));
// the second ceiling: those decisions with the kernel's page state and ENCLS steps, still without time (state-loop.ts)
const stateLoop = fileURLToPath(new URL("./state-loop.js", import.meta.url));

export interface BenchArgs {
  cachesim: string | null;
  /** populate the whole 1 TiB EPC, not 1/64 of it */
  tib: boolean;
  /** run both tools' children with glibc's transparent-huge-page tunable (HUGEPAGES_ENV) */
  hugepages: boolean;
}

/**
 * glibc (2.35 and later) then madvises its large allocations MADV_HUGEPAGE, which in the kernel's
 * default THP mode ("madvise") backs them with 2 MiB pages: a replay's random page lookups then miss
 * the TLB far less. Typed arrays are such allocations, and so are cachesim's tables.
 */
export const HUGEPAGES_ENV = "glibc.malloc.hugetlb=1";

/** `npm run bench -- [--cachesim PATH]`; bad arguments are one line (the caller exits 2) */
export function parseBenchArgs(argv: string[]): BenchArgs {
  let values: { cachesim?: string | undefined; tib?: boolean | undefined; hugepages?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { cachesim: { type: "string" }, tib: { type: "boolean" }, hugepages: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new Error(`npm run bench: ${(e as Error).message} (expected: npm run bench -- [--cachesim PATH] [--tib] [--hugepages]).`);
  }
  const path = values.cachesim ?? null;
  if (path !== null) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(`npm run bench: --cachesim ${path}: expected an executable libCacheSim cachesim binary.`);
    }
  }
  return { cachesim: path, tib: values.tib === true, hugepages: values.hugepages === true };
}

/** cachesim's result line, e.g. "t.oracleGeneral Clock cache size 410MiB, 4000000 req, miss ratio 0.3590, throughput 3.76 MQPS" */
export function parseCachesimOutput(stdout: string): { missRatio: number; mqps: number | null } {
  const m = /miss ratio ([0-9.]+)/.exec(stdout);
  if (m === null) throw new Error(`cachesim printed no "miss ratio" line: ${JSON.stringify(stdout.slice(0, 200))}.`);
  const t = /throughput ([0-9.]+) MQPS/.exec(stdout);
  return { missRatio: Number(m[1]), mqps: t === null ? null : Number(t[1]) };
}

interface Run {
  ms: number;
  missRatio: number;
}

/** the environment of the timed children (--hugepages adds glibc's THP tunable) */
let childEnv: NodeJS.ProcessEnv = process.env;

/** runs a command to its end; wall time around the spawn */
function timed(cmd: string, args: string[], cwd: string): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env: childEnv, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error !== undefined) throw new Error(`${cmd}: ${r.error.message}.`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-1)[0] ?? ""}`);
  return { ms, stdout: r.stdout };
}

function epcsim(trace: string, args: string[], cwd: string): Run {
  const { ms, stdout } = timed(process.execPath, [cli, "replay", trace, ...args, "--json", "--quiet"], cwd);
  const s = JSON.parse(stdout) as { replay?: { missRatio: number; requests: number }; processes: { exitCode: number | null; signal: string | null }[] };
  const p = s.processes[0];
  if (p?.exitCode !== 0) throw new Error(`epcsim replay ${trace} ${args.join(" ")}: the replay process ended with ${p?.signal ?? p?.exitCode}, so its speed means nothing.`);
  if (s.replay?.requests !== REQUESTS) throw new Error(`epcsim replay ${trace}: ${s.replay?.requests} requests replayed, expected ${REQUESTS}.`);
  return { ms, missRatio: s.replay.missRatio };
}

function bare(trace: string, bytes: number, cwd: string, faultNotAccessed = false): Run {
  return ceilingRun("bare loop", [bareLoop, trace, String(bytes), ...(faultNotAccessed ? ["--fault-not-accessed"] : [])], cwd);
}

function state(trace: string, bytes: number, cwd: string): Run {
  return ceilingRun("state loop", [stateLoop, trace, String(bytes)], cwd);
}

function ceilingRun(name: string, args: string[], cwd: string): Run {
  const { ms, stdout } = timed(process.execPath, args, cwd);
  const r = JSON.parse(stdout) as { requests: number; missRatio: number };
  if (r.requests !== REQUESTS) throw new Error(`${name} ${args[1] ?? ""}: ${r.requests} requests replayed, expected ${REQUESTS}.`);
  return { ms, missRatio: r.missRatio };
}

function cachesim(bin: string, trace: string, bytes: number, cwd: string): Run {
  // one size, so cachesim runs it on its main thread; the report interval past the trace's end
  const { ms, stdout } = timed(bin, [trace, "oracleGeneral", "clock", String(bytes), "--report-interval=2000000000"], cwd);
  return { ms, missRatio: parseCachesimOutput(stdout).missRatio };
}

/** the kernel's THP mode, e.g. "madvise" (the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled) */
function thpMode(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"))?.[1] ?? "unknown";
  } catch {
    return "unknown (no /sys/kernel/mm/transparent_hugepage)";
  }
}

const best = (runs: Run[]): Run => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const rate = (r: Run): number => REQUESTS / (r.ms / 1000);
const mps = (n: number): string => `${(n / 1e6).toFixed(2)} M`;
const pad = (s: string, n: number): string => s.padEnd(n);
const signed = (d: number): string => `${d >= 0 ? "+" : "-"}${Math.abs(d).toFixed(4)}`;

interface Cell {
  name: "zipf" | "uniform";
  share: number;
}

/** prints the side-by-side table; the traces live in a temporary folder removed at the end */
export function replayBench(args: BenchArgs): void {
  childEnv = args.hugepages ? { ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, HUGEPAGES_ENV].filter((t) => t !== undefined && t !== "").join(":") } : process.env;
  const dir = mkdtempSync(join(tmpdir(), "epcsim-bench-"));
  try {
    const traces = {
      zipf: { file: join(dir, "zipf-0.9.oracleGeneral"), label: "zipf 0.9", seed: 1 },
      uniform: { file: join(dir, "uniform.oracleGeneral"), label: "uniform", seed: 2 },
    };
    writeOracleGeneral(traces.zipf.file, { requests: REQUESTS, pages: PAGES, distribution: "zipf", alpha: 0.9, seed: traces.zipf.seed });
    writeOracleGeneral(traces.uniform.file, { requests: REQUESTS, pages: PAGES, distribution: "uniform", seed: traces.uniform.seed });
    const bin = args.cachesim;
    console.log(
      `replay vs libCacheSim cachesim CLOCK: ${REQUESTS.toLocaleString("en-US")} requests over ${PAGES.toLocaleString("en-US")} pages (oracleGeneral, zipf seed ${traces.zipf.seed}, uniform seed ${traces.uniform.seed}); ` +
        `epcsim replay TRACE --epc BYTES (mainline, profile client-128m, 2 CPUs) and cachesim TRACE oracleGeneral clock BYTES, alternately, best of ${RUNS}, whole-process wall time`,
    );
    console.log(`  cachesim: ${bin ?? "not given (npm run bench -- --cachesim PATH)"}`);
    console.log(
      "  bare loop: the kernel's replacement decisions alone (free list, LRU with accessed-bit second chance, 16-page batches at the 32/64 watermarks) " +
        "in typed arrays, with the replay's trace reader, timed the same way (bench/bare-loop.ts): the least any model of this kernel costs in this runtime",
    );
    console.log(
      "  state loop: the same decisions with the kernel's page state and ENCLS steps (EPCM valid and blocked, the ETRACK epoch, VA pages and slots, PCMD entries, backing pages; " +
        "EADD, ELDU, EBLOCK, ETRACK, EWB), still without time, events, CPUs, locks or accounting (bench/state-loop.ts): what the kernel's data work alone costs here",
    );
    console.log(
      args.hugepages
        ? `  both with transparent huge pages: GLIBC_TUNABLES=${childEnv.GLIBC_TUNABLES ?? ""} (the kernel's THP mode here: ${thpMode()})`
        : "  default memory (npm run bench -- --hugepages runs both with glibc's transparent-huge-page tunable)",
    );
    console.log(
      `  ${pad("trace", 10)}${pad("EPC", 24)}${pad("epcsim req/s", 14)}${pad("cachesim req/s", 16)}${pad("ratio (target >= 1x)", 22)}${pad("miss ratio epcsim", 19)}${pad("cachesim", 10)}${pad("epcsim - cachesim (target ±0.02)", 34)}${pad("bare loop req/s, x cachesim, miss ratio", 42)}state loop req/s, x cachesim, miss ratio`,
    );
    const cells: Cell[] = [
      { name: "zipf", share: 0.1 },
      { name: "zipf", share: 0.5 },
      { name: "uniform", share: 0.1 },
      { name: "uniform", share: 0.5 },
    ];
    let v17: { mainline: Run; cgroup: Run; limit: number; epc: number } | null = null;
    const attribution: string[] = [];
    for (const cell of cells) {
      const trace = traces[cell.name];
      const pages = Math.floor(PAGES * cell.share);
      const bytes = pages * PAGE;
      // the same trace in a v17 cgroup whose misc.max is this EPC, on a machine with twice as much, so
      // that the cgroup's limit, not the EPC, drives reclaim (as the thrash-in-one-cgroup line above)
      const withV17 = cell.name === "zipf" && cell.share === 0.1;
      const v17Args = ["--kernel", "v17", "--epc", String(2 * bytes), "--cgroup", "/r", "--limit", `/r=${bytes}`];
      const ours: Run[] = [];
      const theirs: Run[] = [];
      const cgroup: Run[] = [];
      const ceiling: Run[] = [];
      const withState: Run[] = [];
      let runs = RUNS;
      for (let i = 0; i < runs; i++) {
        ours.push(epcsim(trace.file, ["--epc", String(bytes)], dir));
        if (i === 0 && (ours[0]?.ms ?? 0) > SLOW_MS) runs = 1;
        if (bin !== null) theirs.push(cachesim(bin, trace.file, bytes, dir));
        ceiling.push(bare(trace.file, bytes, dir));
        withState.push(state(trace.file, bytes, dir));
        if (withV17) cgroup.push(epcsim(trace.file, v17Args, dir));
      }
      const a = best(ours);
      const epc = `${Math.round(cell.share * 100)}% (${bytes} B)`;
      let row = `  ${pad(trace.label, 10)}${pad(epc, 24)}${pad(mps(rate(a)), 14)}`;
      if (theirs.length > 0) {
        const b = best(theirs);
        const ratio = rate(a) / rate(b);
        const d = a.missRatio - b.missRatio;
        row +=
          `${pad(mps(rate(b)), 16)}${pad(`${ratio.toFixed(2)}x (${ratio >= 1 ? "met" : "not met"})`, 22)}` +
          `${pad(a.missRatio.toFixed(4), 19)}${pad(b.missRatio.toFixed(4), 10)}${pad(`${signed(d)} (${Math.abs(d) <= 0.02 ? "within" : "outside"})`, 34)}`;
      } else {
        row += `${pad("-", 16)}${pad("-", 22)}${pad(a.missRatio.toFixed(4), 19)}${pad("-", 10)}${pad("-", 34)}`;
      }
      const c = best(ceiling);
      const xCachesim = (r: Run): string => (theirs.length > 0 ? `${(rate(r) / rate(best(theirs))).toFixed(2)}x` : "-");
      const st = best(withState);
      row += `${pad(`${mps(rate(c))}, ${xCachesim(c)}, ${c.missRatio.toFixed(4)}`, 42)}${mps(rate(st))}, ${xCachesim(st)}, ${st.missRatio.toFixed(4)}`;
      if (runs < RUNS) row += `   (one run: the first took ${(a.ms / 1000).toFixed(0)} s)`;
      console.log(row);
      if (theirs.length > 0) {
        // where the miss ratios part: the same bare loop with a faulted page left not young
        const cold = bare(trace.file, bytes, dir, true);
        const d = cold.missRatio - best(theirs).missRatio;
        attribution.push(`${trace.label} ${Math.round(cell.share * 100)}%: ${cold.missRatio.toFixed(4)} (${signed(d)})`);
      }
      if (withV17) v17 = { mainline: a, cgroup: best(cgroup), limit: bytes, epc: 2 * bytes };
    }
    if (attribution.length > 0) {
      console.log(
        "  miss ratio of the bare loop with a faulted page not young, as a new object in cachesim's CLOCK (bench/bare-loop.ts --fault-not-accessed), and its difference from cachesim: " +
          `${attribution.join(", ")}; the kernel's retried access sets the accessed bit, giving every page loaded on a miss one second chance`,
      );
    }
    if (v17 !== null) {
      const ratio = rate(v17.cgroup) / rate(v17.mainline);
      console.log(
        `  zipf 0.9 at 10% under v17 in a cgroup (--cgroup /r --limit /r=${v17.limit}, --epc ${v17.epc})   ${mps(rate(v17.cgroup))} req/s, ${ratio.toFixed(2)}x mainline's ${mps(rate(v17.mainline))} (target >= 0.8x: ${ratio >= 0.8 ? "met" : "not met"}); miss ratio ${v17.cgroup.missRatio.toFixed(4)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
