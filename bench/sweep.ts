// The sweep line of `npm run bench`: the same grid swept with --jobs 1 and --jobs 2 on worker
// threads (wall time, pool start and result files included), and the speed-up against issue 14's
// target. Also runnable alone: node dist/bench/sweep.js
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadGrid } from "../src/sweep/grid.js";
import { expandGrid } from "../src/sweep/variants.js";
import { VariantPool } from "../src/sweep/pool.js";
import { runSweep } from "../src/sweep/sweep.js";

/** 16 variants of about a second each: a cgroup's limit by 64 KiB steps on v17 and v5 */
const BASE = `kernel: v17
seed: 3
machine: { epc: 4MiB, cpus: 2 }
cgroups:
  /a: { misc.max: "sgx_epc 1048576" }
processes:
  - name: p
    cgroup: /a
    program:
      enclave: { size: 4MiB, add: 1MiB, measure: false }
      access: { pattern: uniform, pages: 1MiB, count: 500000 }
`;
const GRID = `base: base.yaml
axes:
  - path: 'cgroups["/a"]["misc.max"]'
    range: { from: 524288, to: 983040, step: 65536 }
  - path: kernel
    values: [v17, v5]
`;

export interface SweepBench {
  variants: number;
  seconds1: number;
  seconds2: number;
}

export async function sweepBench(): Promise<SweepBench> {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-bench-sweep-"));
  try {
    writeFileSync(join(dir, "base.yaml"), BASE);
    writeFileSync(join(dir, "grid.yaml"), GRID);
    const grid = loadGrid(join(dir, "grid.yaml"));
    const variants = expandGrid(grid);
    const time = async (jobs: number): Promise<number> => {
      const t0 = performance.now();
      await runSweep(grid, variants, new VariantPool(jobs), { dir: join(dir, `jobs${jobs}`), shard: null });
      return (performance.now() - t0) / 1000;
    };
    // best of two each, alternating, so that a burst of load elsewhere on the machine hits both alike
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 0; i < 2; i++) {
      rmSync(join(dir, "jobs1"), { recursive: true, force: true });
      one.push(await time(1));
      rmSync(join(dir, "jobs2"), { recursive: true, force: true });
      two.push(await time(2));
    }
    return { variants: variants.length, seconds1: Math.min(...one), seconds2: Math.min(...two) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const formatSweepBench = (b: SweepBench): string =>
  `  sweep speed-up, --jobs 2 vs --jobs 1   ${(b.seconds1 / b.seconds2).toFixed(2)}x   (${b.variants} variants: ${b.seconds1.toFixed(1)} s vs ${b.seconds2.toFixed(1)} s, pool start and result files included; target >= 1.8x on 2 cores)`;

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(formatSweepBench(await sweepBench()));
