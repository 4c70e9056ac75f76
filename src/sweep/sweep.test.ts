import { test } from "node:test";
import { SMALL_BASE } from "../testing/sweep-fixtures.js";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { parquetReadObjects } from "hyparquet";
import { loadGrid } from "./grid.js";
import { expandGrid } from "./variants.js";
import { VariantPool } from "./pool.js";
import { mergeSweeps, runSweep, type Runner } from "./sweep.js";
import { runVariant, type VariantTask } from "./run-variant.js";
import type { VariantResult } from "./result.js";
import { JOURNAL } from "./store.js";

const BASE = SMALL_BASE;

const GRID = `base: base.yaml
axes:
  - path: 'cgroups["/a"]["misc.max"]'
    range: { from: 256KiB, to: 1MiB, factor: 2 }
  - path: kernel
    values: [v17, v5]
  - seeds: 2
`;

function gridDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-sweep-"));
  writeFileSync(join(dir, "base.yaml"), BASE);
  writeFileSync(join(dir, "grid.yaml"), GRID);
  return dir;
}

/** runs in this thread, finishing in an order other than the grid's (a fixed shuffle), and counts */
class ShuffledRunner implements Runner {
  ran: string[] = [];
  private readonly pending: { task: VariantTask; resolve: (r: VariantResult) => void }[] = [];
  constructor(private readonly failAfter = Infinity) {}
  run(task: VariantTask): Promise<VariantResult> {
    return new Promise((resolve, reject) => {
      if (this.ran.length >= this.failAfter) {
        reject(new Error("interrupted"));
        return;
      }
      this.ran.push(task.id);
      this.pending.push({ task, resolve });
      // finish the newest first once three wait: completion order is not submission order
      setImmediate(() => {
        const p = this.pending.pop();
        if (p !== undefined) p.resolve(runVariant(p.task));
      });
    });
  }
  async close(): Promise<void> {}
}

const files = (dir: string): string[] => ["sweep.csv", "sweep.parquet", "sweep.html"].map((f) => readFileSync(join(dir, f), "latin1"));

test("the same grid gives byte-identical sweep.csv, sweep.parquet and sweep.html with 1 or 2 worker threads and in any order of completion", async () => {
  const dir = gridDir();
  const grid = loadGrid(join(dir, "grid.yaml"));
  const variants = expandGrid(grid);
  assert.equal(variants.length, 12);
  const one = await runSweep(grid, variants, new VariantPool(1), { dir: join(dir, "one"), shard: null });
  await runSweep(grid, variants, new VariantPool(2), { dir: join(dir, "two"), shard: null });
  const shuffled = new ShuffledRunner();
  await runSweep(grid, variants, shuffled, { dir: join(dir, "shuffled"), shard: null });
  assert.equal(one.ran, 12);
  assert.deepEqual(files(join(dir, "two")), files(join(dir, "one")));
  assert.deepEqual(files(join(dir, "shuffled")), files(join(dir, "one")));
  // the journal was written in completion order, the table is in the grid's order
  const journal = readFileSync(join(dir, "shuffled", JOURNAL), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id);
  assert.notDeepEqual(journal, variants.map((v) => v.id));
  const rows = parse(readFileSync(join(dir, "one", "sweep.csv")), { columns: true }) as Record<string, string>[];
  assert.deepEqual(rows.map((r) => r.id), variants.map((v) => v.id));
  assert.deepEqual(rows.map((r) => r.kernel), ["v17", "v17", "v5", "v5", "v17", "v17", "v5", "v5", "v17", "v17", "v5", "v5"]);
  assert.equal(rows[0]?.['cgroups["/a"]["misc.max"]'], "sgx_epc 262144");
  assert.equal(rows[0]?.seed, "1");
  // each row is the variant's own run: the limit bounds the peak, a smaller limit pages more
  assert.ok(Number(rows[0]?.["peak /a"]) <= 262144);
  assert.ok(Number(rows[0]?.["written_back /a"]) > Number(rows[8]?.["written_back /a"]));
  assert.equal(rows[0]?.["exit p"], "0");
});

test("sweep.parquet reads back (hyparquet) with the CSV's rows and integer columns", async () => {
  const dir = gridDir();
  const grid = loadGrid(join(dir, "grid.yaml"));
  await runSweep(grid, expandGrid(grid), new ShuffledRunner(), { dir, shard: null });
  const csv = parse(readFileSync(join(dir, "sweep.csv")), { columns: true }) as Record<string, string>[];
  const buf = readFileSync(join(dir, "sweep.parquet"));
  const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
  assert.equal(rows.length, csv.length);
  rows.forEach((r, i) => {
    const c = csv[i] as Record<string, string>;
    assert.equal(r.id, c.id);
    assert.equal(r.kernel, c.kernel);
    assert.equal(r.error, null);
    assert.equal(String(r.simulated_ns), c.simulated_ns);
    assert.equal(typeof r.faults, "bigint");
    assert.equal(String(r["faults /a"]), c["faults /a"]);
  });
});

test("resumable: an interrupted sweep keeps what finished, a torn last line is dropped, and the rerun runs only the rest", async () => {
  const dir = gridDir();
  const grid = loadGrid(join(dir, "grid.yaml"));
  const variants = expandGrid(grid);
  const out = join(dir, "out");
  await assert.rejects(runSweep(grid, variants, new ShuffledRunner(5), { dir: out, shard: null }), /interrupted/);
  const kept = readFileSync(join(out, JOURNAL), "utf8").trim().split("\n").length;
  assert.equal(kept, 5);
  appendFileSync(join(out, JOURNAL), '{"id":"torn", "resu');
  const rerun = new ShuffledRunner();
  const o = await runSweep(grid, variants, rerun, { dir: out, shard: null });
  assert.equal(o.skipped, 5);
  assert.equal(rerun.ran.length, 7);
  const whole = join(dir, "whole");
  await runSweep(grid, variants, new ShuffledRunner(), { dir: whole, shard: null });
  assert.deepEqual(files(out), files(whole));
  // a third run has nothing left to do
  const third = new ShuffledRunner();
  await runSweep(grid, variants, third, { dir: out, shard: null });
  assert.equal(third.ran.length, 0);
});

test("shards (--shard I/N) merged (--merge) give the local sweep's files", async () => {
  const dir = gridDir();
  const grid = loadGrid(join(dir, "grid.yaml"));
  const variants = expandGrid(grid);
  const shards = [0, 1, 2].map((i) => join(dir, `shard${i}`));
  for (const [i, s] of shards.entries()) {
    const o = await runSweep(grid, variants, new ShuffledRunner(), { dir: s, shard: { index: i, count: 3 } });
    assert.equal(o.total, 4);
  }
  await mergeSweeps(shards, join(dir, "merged"));
  await runSweep(grid, variants, new ShuffledRunner(), { dir: join(dir, "local"), shard: null });
  assert.deepEqual(files(join(dir, "merged")), files(join(dir, "local")));
});

test("sweep.html: charts drawn inline, no script, a heatmap for two axes and the seeds as a band", async () => {
  const dir = gridDir();
  const grid = loadGrid(join(dir, "grid.yaml"));
  await runSweep(grid, expandGrid(grid), new ShuffledRunner(), { dir, shard: null });
  const html = readFileSync(join(dir, "sweep.html"), "utf8");
  assert.ok(!/<script/i.test(html));
  assert.ok(!/https?:\/\//.test(html), "nothing links outside the page");
  for (const c of ["line-simulated_ns", "line-faults", "line-pages_written_back", "heatmap"]) assert.match(html, new RegExp(`data-chart="${c}"[^>]*>\\s*<svg`));
  assert.match(html, /the mean over the seeds, the band their min to max/);
});
