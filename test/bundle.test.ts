// The `epcsim` command runs the one-file bundle that `npm run build` links from tsc's output
// (scripts/bundle-cli.mjs, dist/src/cli/epcsim.js); the other tests run the separate modules
// (dist/src/cli/main.js). Here both are run on the same inputs, through the paths the bundle must
// still find from its own folder: package.json, zstd's binding, the report's lazily loaded renderers,
// the sweep's worker threads, and a bad input's exit code and message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const modules = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const bundle = fileURLToPath(new URL("../src/cli/epcsim.js", import.meta.url));
const bin = join(root, "bin", "epcsim.js");

function run(cli: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** the same command through the separate modules and through the bundle: the same exit code and output */
function same(args: (out: string) => string[], files: string[] = []): void {
  const a = mkdtempSync(join(tmpdir(), "epcsim-bundle-"));
  const b = mkdtempSync(join(tmpdir(), "epcsim-bundle-"));
  const x = run(modules, args(a));
  const y = run(bundle, args(b));
  assert.equal(y.code, x.code, y.stderr);
  assert.equal(y.stdout.replaceAll(b, a), x.stdout);
  assert.equal(y.stderr.replaceAll(b, a), x.stderr);
  for (const f of files) assert.ok(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), `${f} differs`);
}

test("the bundle is what bin/epcsim.js runs, and it knows its version", () => {
  assert.match(readFileSync(bin, "utf8"), /import "\.\.\/dist\/src\/cli\/epcsim\.js";/);
  const v = run(bin, ["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version);
});

test("the bundle gives the modules' output: a run with --out (report and time series), a compressed replay, the schema", () => {
  same((out) => ["run", "examples/quickstart.yaml", "--json", "--quiet", "--out", out], ["summary.json", "timeseries.csv", "events.jsonl", "trace.json", "report.html"]);
  same(() => ["replay", "examples/traces/zipf-small.oracleGeneral.bin.zst", "--epc", "4MiB", "--json", "--quiet"]);
  same(() => ["schema"]);
});

test("the bundle gives the modules' answer to bad input: exit 2 and the same line", () => {
  const d = mkdtempSync(join(tmpdir(), "epcsim-bundle-"));
  writeFileSync(join(d, "cut.oracleGeneral"), new Uint8Array(30));
  same(() => ["replay", join(d, "cut.oracleGeneral"), "--quiet"]);
  const r = run(bundle, ["replay", join(d, "cut.oracleGeneral"), "--quiet"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^epcsim: .*cut\.oracleGeneral: record 2: truncated/);
});

test("the bundle's sweep runs its variants on worker threads and writes the modules' result files", () => {
  const d = mkdtempSync(join(tmpdir(), "epcsim-bundle-"));
  writeFileSync(
    join(d, "base.yaml"),
    "kernel: v17\nmachine: { epc: 2MiB, cpus: 2 }\nprocesses:\n  - name: p\n    program:\n      enclave: { size: 4MiB, add: 1MiB, measure: false }\n      access: { pattern: uniform, pages: 1MiB, count: 100 }\n",
  );
  writeFileSync(join(d, "grid.yaml"), "base: base.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n");
  same((out) => ["sweep", join(d, "grid.yaml"), "--out", out, "--jobs", "2", "--quiet"], ["sweep.csv", "sweep.parquet", "sweep.html"]);
});
