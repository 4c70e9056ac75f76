// The populate line of `npm run bench`: an EPC filled to the last page by enclaves of 4 GiB, all
// pages added (no paging), run in a child process so that its peak RSS is its own. By default at
// 1/64 of a terabyte (16 GiB, 4 enclaves); `npm run bench -- --tib` populates the whole 1 TiB
// (256 enclaves), which takes about five minutes and 11.3 GiB.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createSimulator } from "../src/programs/run.js";
import type { Scenario, Step } from "../src/scenario/types.js";
import { scenario } from "./scenario.js";

const GiB = 1024 ** 3;
const ENCLAVE = 4 * GiB;

export interface PopulateResult {
  epcBytes: number;
  enclaves: number;
  pagesAdded: number;
  seconds: number;
  maxRssBytes: number;
}

/** pages each enclave adds: with its SECS and a VA page per 512 added (sgx_encl_grow()), its share of the EPC less 64 frames, so that ksgxd never has to reclaim */
export function pagesPerEnclave(): number {
  const frames = ENCLAVE / 4096 - 64;
  let n = frames;
  while (n + Math.ceil(n / 512) + 1 > frames) n--;
  return n;
}

function populateScenario(epcBytes: number): Scenario {
  const add = pagesPerEnclave() * 4096;
  const steps: Step[] = [
    { op: "create", size: ENCLAVE, debug: false },
    { op: "addPages", offset: 0, length: add - 4096, type: "REG", perm: 7, measure: false, chunk: add },
    { op: "addPages", offset: add - 4096, length: 4096, type: "TCS", perm: 0, measure: false, chunk: 4096 },
    { op: "init" },
    { op: "mmap" },
  ];
  return { ...scenario(epcBytes, steps, epcBytes / ENCLAVE, "sapphire-rapids-server"), source: "bench: populate" };
}

/** in this process: populate, and report */
export function populate(epcBytes: number): PopulateResult {
  const start = process.hrtime.bigint();
  const summary = createSimulator(populateScenario(epcBytes)).run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { epcBytes, enclaves: epcBytes / ENCLAVE, pagesAdded: summary.counters.EADD, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** in a child process, so that the peak RSS is the populate run's alone */
export function populateInChild(epcBytes: number): PopulateResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--max-old-space-size=4096", script, String(epcBytes)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`The populate run (${epcBytes} bytes) failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return JSON.parse(r.stdout) as PopulateResult;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(populate(Number(process.argv[2])))}\n`);
}
