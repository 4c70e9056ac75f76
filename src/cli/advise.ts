// `epcsim advise SCENARIO --cgroup PATH[,PATH...]`: the smallest misc.max per cgroup that keeps its
// processes' exits and its paging within budget (sweep/advise.ts), as a table or JSON.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { Advisor, type Budget, type LimitOutcome, type Recommendation } from "../sweep/advise.js";
import { defaultJobs, VariantPool } from "../sweep/pool.js";
import { GridError } from "../sweep/errors.js";
import { parseSize } from "../scenario/units.js";
import { settledNodeScenario } from "../k8s/node-scenario.js";
import { ScenarioError } from "../scenario/load.js";
import { table } from "./format.js";
import { parseJobs } from "./sweep.js";

interface AdviseCliOptions {
  cgroup: string;
  step?: string;
  maxSlowdown?: number;
  maxFaultsPerS?: number;
  seeds?: number;
  kernel?: string;
  json?: boolean;
  jobs?: number;
  node?: string;
}

const positive = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected ${what}.`);
  return n;
};

const mib = (b: number): string => (b / 1048576).toFixed(2);

function pagingText(o: LimitOutcome): string {
  return `${o.slowdown.toFixed(3)}× time, ${o.faults} faults (${Math.round(o.faultsPerS)}/s more than unlimited), ${o.pagesWrittenBack} written back`;
}

function belowText(o: LimitOutcome | null): string {
  if (o === null) return "-";
  if (o.ok) return "meets the conditions too";
  return o.reason ?? "";
}

export function formatRecommendations(recs: Recommendation[]): string {
  const rows = [["cgroup", "misc.max (bytes)", "MiB", "just below it", "paging at it"]];
  for (const r of recs) {
    if (r.miscMax === null) rows.push([r.cgroup, "none", "-", `no limit up to the EPC meets the conditions: ${belowText(r.below)}`, "-"]);
    else rows.push([r.cgroup, String(r.miscMax), mib(r.miscMax), `${r.below?.miscMax ?? 0}: ${belowText(r.below)}`, r.at === null ? "-" : pagingText(r.at)]);
  }
  const notes = recs.filter((r) => r.oomKillsBelow !== undefined).map((r) => `${r.cgroup}: the v5 OOM path kills below misc.max ${r.oomKillsBelow ?? 0} bytes (${mib(r.oomKillsBelow ?? 0)} MiB)`);
  return `${table(rows)}\n${notes.map((n) => `${n}\n`).join("")}`;
}

async function adviseCommand(file: string, opts: AdviseCliOptions): Promise<void> {
  if (opts.maxSlowdown !== undefined && opts.maxFaultsPerS !== undefined) throw new GridError("advise: expected --max-slowdown or --max-faults-per-s, not both.");
  const budget: Budget = opts.maxFaultsPerS !== undefined ? { kind: "faultsPerS", max: opts.maxFaultsPerS } : { kind: "slowdown", max: opts.maxSlowdown ?? 1.2 };
  const step = opts.step === undefined ? 4096 : parseSize(opts.step);
  if (typeof step === "string" || step < 4096 || step % 4096 !== 0) throw new GridError(`--step ${opts.step ?? ""}: expected a positive multiple of a page (4096 bytes), such as 64KiB or 1MiB${typeof step === "string" ? ` (${step})` : ""}.`);
  if (opts.kernel !== undefined && !["v17", "v5"].includes(opts.kernel)) throw new GridError(`--kernel: expected v17 or v5, got "${opts.kernel}".`);
  let text: string;
  if (opts.node !== undefined) {
    // a pods file on a node: the scenario epcsim node runs (its restarts settled), limits varied on it
    text = settledNodeScenario({ node: opts.node, pods: file, ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }), onWarning: (m) => process.stderr.write(`epcsim: warning: ${m}\n`) }).text;
  } else {
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ScenarioError(`${file}: cannot read the scenario file: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}.`);
    }
  }
  const cgroups = opts.cgroup.split(",").filter((c) => c !== "");
  const advisor = new Advisor(
    text,
    file,
    { cgroups, step, budget, seeds: opts.seeds === undefined ? null : Array.from({ length: opts.seeds }, (_, i) => i + 1), kernel: opts.kernel ?? null },
    new VariantPool(opts.jobs ?? defaultJobs()),
    dirname(file),
  );
  const recommendations = await advisor.recommendAll();
  process.stdout.write(opts.json === true ? `${JSON.stringify({ recommendations }, null, 2)}\n` : formatRecommendations(recommendations));
}

export function addAdviseCommand(program: Command): void {
  program
    .command("advise")
    .description("find, per cgroup, the smallest misc.max at which its processes exit as they do unlimited and its paging stays within a budget (bisection over runs, every seed)")
    .argument("<scenario>", "scenario file (with --node: the pods file)")
    .requiredOption("--cgroup <paths>", "comma-separated cgroups of the scenario, e.g. /a,/b")
    .option("--step <size>", "the limit's granularity (default a page, 4096 bytes)")
    .option("--max-slowdown <ratio>", "simulated time at most this many times the unlimited run's (default 1.2)", positive("a ratio such as 1.2"))
    .option("--max-faults-per-s <n>", "instead: at most this many page faults per simulated second in the cgroup beyond the unlimited run's", positive("a positive number of faults per second"))
    .option("--seeds <n>", "the answer must hold for seeds 1 to N (default: the scenario's seed)", parseJobs)
    .option("--kernel <generation>", "v17 or v5 instead of the scenario's kernel")
    .option("--json", 'print {"recommendations": [...]} as JSON')
    .option("--jobs <n>", "worker threads (default: one per core)", parseJobs)
    .option("--node <node>", "SCENARIO is a pods file run on this node (a Node manifest or a profile name), as epcsim node runs it; --cgroup names its container scopes or pod slices")
    .action((file: string, opts: AdviseCliOptions) => adviseCommand(file, opts));
}
