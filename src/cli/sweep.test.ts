import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("./main.js", import.meta.url));
const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

const BASE = "kernel: v17\nmachine: { epc: 2MiB, cpus: 2 }\nprocesses:\n  - name: p\n    program:\n      enclave: { size: 4MiB, add: 1MiB, measure: false }\n      access: { pattern: uniform, pages: 1MiB, count: 100 }\n";

function dir(grid: string): string {
  const d = mkdtempSync(join(tmpdir(), "epcsim-sweep-cli-"));
  writeFileSync(join(d, "base.yaml"), BASE);
  writeFileSync(join(d, "grid.yaml"), grid);
  return d;
}

test("sweep --dry-run lists the variants with their ids and runs nothing", () => {
  const d = dir("base: base.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n  - seeds: 2\n");
  const r = run(["sweep", join(d, "grid.yaml"), "--dry-run"]);
  assert.equal(r.status, 0, String(r.stderr));
  const lines = String(r.stdout).trim().split("\n");
  assert.match(lines[0] ?? "", /^#\s+id\s+kernel\s+seed$/);
  assert.match(lines[4] ?? "", /^3\s+[0-9a-f]{16}\s+v5\s+2$/);
  assert.equal(lines[5], "4 variants");
});

test("sweep: a bad grid file exits 2 with one line naming the file and the field", () => {
  const d = dir("base: base.yaml\naxes:\n  - path: kernel\n    range: { from: 1, to: 0, step: 1 }\n");
  const r = run(["sweep", join(d, "grid.yaml"), "--out", join(d, "o")]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `epcsim: ${join(d, "grid.yaml")}: axes[0].range.to: expected a value at least from (1), got 0.\n`);
  const missing = run(["sweep", join(d, "nope.yaml")]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `epcsim: ${join(d, "nope.yaml")}: cannot read the grid file: no such file.\n`);
});

test("sweep --out runs the variants and says where the results are", () => {
  const d = dir("base: base.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n");
  const r = run(["sweep", join(d, "grid.yaml"), "--out", join(d, "o"), "--jobs", "2", "--quiet"]);
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(r.stdout, `sweep ${join(d, "grid.yaml")}: 2 variants (2 run now, 0 done before); results in ${join(d, "o")}/sweep.csv, sweep.parquet and sweep.html\n`);
  const again = run(["sweep", join(d, "grid.yaml"), "--out", join(d, "o"), "--quiet"]);
  assert.match(String(again.stdout), /\(0 run now, 2 done before\)/);
});

test("shards run as separate processes (--shard I/N) and merged (--merge) give the local sweep's files, byte for byte", async () => {
  const d = dir("base: base.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n  - seeds: 3\n");
  const grid = join(d, "grid.yaml");
  const shards = [0, 1, 2].map((i) => join(d, `shard-${i}`));
  await Promise.all(
    shards.map(
      (out, i) =>
        new Promise<void>((resolve, reject) => {
          const p = spawn(process.execPath, [cli, "sweep", grid, "--shard", `${i}/3`, "--out", out, "--quiet", "--jobs", "1"], { stdio: "ignore" });
          p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`shard ${i} exited ${code}`))));
        }),
    ),
  );
  const merged = run(["sweep", "--merge", ...shards, "--out", join(d, "merged")]);
  assert.equal(merged.status, 0, String(merged.stderr));
  assert.match(String(merged.stdout), /^merged 3 shards: 6 variants/);
  const local = run(["sweep", grid, "--out", join(d, "local"), "--quiet"]);
  assert.equal(local.status, 0, String(local.stderr));
  for (const f of ["sweep.csv", "sweep.parquet", "sweep.html"]) assert.ok(readFileSync(join(d, "merged", f)).equals(readFileSync(join(d, "local", f))), `${f} differs`);
  const other = dir("base: base.yaml\naxes:\n  - path: kernel\n    values: [v17, mainline]\n");
  assert.equal(run(["sweep", join(other, "grid.yaml"), "--out", join(other, "o"), "--quiet"]).status, 0);
  const mixed = run(["sweep", "--merge", shards[0] as string, join(other, "o"), "--out", join(d, "mixed")]);
  assert.equal(mixed.status, 2);
  assert.match(String(mixed.stderr), /^epcsim: --merge .*: expected the shards of one grid/);
});
