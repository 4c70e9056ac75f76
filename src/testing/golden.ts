// Golden outputs: every example, every conformance case and the selftest phases (v17 and v5 at
// 64 MiB), run as a user would, with their `--json` summary and a SHA-256 of every `--out` file,
// stored in test/golden/. A refactoring that is a pure move keeps every one of them identical
// (test/golden.test.ts); `npm run golden` writes them anew after a deliberate change of behaviour.
//   node dist/src/testing/golden.js --update     rewrite test/golden/*.json
//   node dist/src/testing/golden.js              compare, print what differs, exit 1 if anything does
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadConformanceCases } from "../cli/conformance.js";
import { parseScenarioText } from "../scenario/load.js";
import { simulateRecorded, writeRunOutputs } from "../report/outputs.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
export const GOLDEN_DIR = join(root, "test", "golden");

export interface GoldenRecord {
  /** what was run, as a command line a user could type */
  command: string;
  /** the `--json` document */
  json: unknown;
  /** every file `--out` wrote, by path under the directory: its SHA-256 */
  files: Record<string, string>;
}

export interface GoldenCase {
  name: string;
  run(): Promise<GoldenRecord>;
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** every file under `dir`, by relative path, hashed */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = sha256(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** a scenario text under the name `source`, simulated and recorded as `epcsim run --out` does */
async function runScenario(command: string, text: string, source: string): Promise<GoldenRecord> {
  const scenario = parseScenarioText(text, source);
  const { summary, recorder } = simulateRecorded(scenario);
  const dir = mkdtempSync(join(tmpdir(), "epcsim-golden-"));
  try {
    await writeRunOutputs(dir, { label: source, scenario, scenarioText: text, summary, recorder });
    return { command, json: JSON.parse(JSON.stringify(summary)), files: hashTree(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `epcsim selftest` through the CLI itself: its --json result and its --out files */
function runSelftestCli(kernel: string): GoldenRecord {
  return runCli(["selftest", "--kernel", kernel, "--capacity", "64MiB", "--quiet", "--json"]);
}

/** the replays the golden outputs hold: each trace format once, tenants, a v17 limit, zstd */
export const GOLDEN_REPLAYS: { name: string; args: string[] }[] = [
  { name: "replay-kv-mainline", args: ["examples/traces/kv-two-tenants.csv", "--tenant-column", "--epc", "2MiB"] },
  { name: "replay-kv-v17-limit", args: ["examples/traces/kv-two-tenants.csv", "--tenant-column", "--kernel", "v17", "--cgroup", "cache=/kv/cache", "--limit", "/kv/cache=1MiB", "--epc", "4MiB", "--timing", "trace"] },
  { name: "replay-zipf-zst", args: ["examples/traces/zipf-small.oracleGeneral.bin.zst", "--epc", "4MiB"] },
];

/** an epcsim command through the CLI itself: its --json result and its --out files */
function runCli(args: string[]): GoldenRecord {
  const cli = join(root, "dist", "src", "cli", "main.js");
  const dir = mkdtempSync(join(tmpdir(), "epcsim-golden-"));
  try {
    const r = spawnSync(process.execPath, [cli, ...args, "--out", dir], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`epcsim ${args.join(" ")} exited with ${r.status}: ${r.stderr}`);
    return { command: `epcsim ${args.join(" ")} --out DIR`, json: JSON.parse(r.stdout) as unknown, files: hashTree(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const f of readdirSync(join(root, "examples")).filter((n) => n.endsWith(".yaml")).sort()) {
    const source = `examples/${f}`;
    cases.push({ name: `example-${f.replace(/\.yaml$/, "")}`, run: () => runScenario(`epcsim run ${source} --json --out DIR`, readFileSync(join(root, source), "utf8"), source) });
  }
  for (const c of loadConformanceCases(join(root, "test", "conformance"))) {
    const file = relative(root, c.file);
    const text = stringify({ kernel: c.generation, ...c.scenario });
    const name = `conformance-${file.replace(/^.*\//, "").replace(/\.yaml$/, "")}`;
    cases.push({ name, run: () => runScenario(`epcsim run (the scenario of ${file}) --json --out DIR`, text, file) });
  }
  for (const kernel of ["v17", "v5"]) cases.push({ name: `selftest-${kernel}-64MiB`, run: async () => runSelftestCli(kernel) });
  for (const r of GOLDEN_REPLAYS) cases.push({ name: r.name, run: async () => runCli(["replay", ...r.args, "--quiet", "--json"]) });
  return cases;
}

export const goldenPath = (name: string): string => join(GOLDEN_DIR, `${name}.json`);

/** the stored record's text: stable key order as produced, one file per case */
export const formatGolden = (g: GoldenRecord): string => `${JSON.stringify(g, null, 1)}\n`;

async function main(): Promise<void> {
  const update = process.argv.includes("--update");
  mkdirSync(GOLDEN_DIR, { recursive: true });
  let differ = 0;
  for (const c of goldenCases()) {
    const text = formatGolden(await c.run());
    const path = goldenPath(c.name);
    if (update) writeFileSync(path, text);
    else {
      let old = "";
      try {
        old = readFileSync(path, "utf8");
      } catch {
        old = "";
      }
      if (old !== text) {
        differ++;
        process.stdout.write(`${c.name}: differs from ${relative(root, path)}\n`);
      }
    }
  }
  if (update) process.stdout.write(`wrote ${goldenCases().length} golden records to ${relative(root, GOLDEN_DIR)}\n`);
  else process.stdout.write(`${differ} of ${goldenCases().length} golden records differ\n`);
  process.exitCode = differ > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
