import { test } from "node:test";
import { SMALL_BASE } from "../testing/sweep-fixtures.js";
import assert from "node:assert/strict";
import { parseGrid } from "./grid.js";
import { expandGrid } from "./variants.js";
import { GridError } from "./errors.js";

const BASE = SMALL_BASE;

const grid = (text: string): ReturnType<typeof parseGrid> => parseGrid(text, "dir/g.yaml", () => BASE);

const problem = (text: string): string => {
  try {
    expandGrid(grid(text));
  } catch (e) {
    assert.ok(e instanceof GridError, String(e));
    assert.ok(!e.message.includes("\n"), "one line");
    return e.message;
  }
  assert.fail("expected a GridError");
};

test("the product of the axes, first axis outermost; seeds 1..N; the base resolves from the grid file's folder", () => {
  let read = "";
  const g = parseGrid("base: node.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n  - seeds: 2\n", "dir/g.yaml", (p) => ((read = p), BASE));
  assert.ok(read.endsWith("/dir/node.yaml"), read);
  const v = expandGrid(g);
  assert.deepEqual(
    v.map((x) => x.axes),
    [
      { kernel: "v17", seed: "1" },
      { kernel: "v17", seed: "2" },
      { kernel: "v5", seed: "1" },
      { kernel: "v5", seed: "2" },
    ],
  );
  assert.match(v[3]?.text ?? "", /^kernel: v5$/m);
  assert.match(v[3]?.text ?? "", /^seed: 2$/m);
});

test("a size range with a factor writes misc.max as sgx_epc BYTES; a step range counts up to `to`", () => {
  const v = expandGrid(grid(`base: b.yaml\naxes:\n  - path: 'cgroups["/a"]["misc.max"]'\n    range: { from: 256KiB, to: 1MiB, factor: 2 }\n`));
  assert.deepEqual(v.map((x) => x.axes['cgroups["/a"]["misc.max"]']), ["sgx_epc 262144", "sgx_epc 524288", "sgx_epc 1048576"]);
  const s = expandGrid(grid(`base: b.yaml\naxes:\n  - path: processes[0].program.access.count\n    range: { from: 100, to: 350, step: 100 }\n`));
  assert.deepEqual(s.map((x) => x.axes["processes[0].program.access.count"]), ["100", "200", "300"]);
});

test("a zip axis varies its fields together", () => {
  const v = expandGrid(grid(`base: b.yaml\naxes:\n  - zip:\n      - { path: kernel, values: [v17, v5] }\n      - { path: machine.cpus, values: [2, 4] }\n`));
  assert.deepEqual(
    v.map((x) => x.axes),
    [
      { kernel: "v17", "machine.cpus": "2" },
      { kernel: "v5", "machine.cpus": "4" },
    ],
  );
});

test("ids are hashes of the scenario text: stable, and different for different variants", () => {
  const text = "base: b.yaml\naxes:\n  - path: kernel\n    values: [v17, v5]\n";
  const a = expandGrid(grid(text));
  const b = expandGrid(grid(text));
  assert.deepEqual(
    a.map((x) => x.id),
    b.map((x) => x.id),
  );
  assert.notEqual(a[0]?.id, a[1]?.id);
  assert.match(a[0]?.id ?? "", /^[0-9a-f]{16}$/);
});

test("bad grid files: one line naming the file and the field", () => {
  assert.equal(problem("base: b.yaml\naxes:\n  - path: kernel\n"), "dir/g.yaml: axes[0]: expected either values or range, not both or neither.");
  assert.equal(problem("base: b.yaml\naxes:\n  - path: kernel\n    values: []\n"), "dir/g.yaml: axes[0].values: expected a non-empty list, got [].");
  assert.equal(problem("base: b.yaml\naxes:\n  - path: a..b\n    values: [1]\n"), `dir/g.yaml: axes[0].path: expected a key (use ["..."] for one with dots, slashes or spaces) at character 3 of "a..b=" (a field path such as policy.oomVictim, processes[2].memory or cgroups["/a"]["misc.max"], then =VALUE).`);
  assert.equal(problem("base: b.yaml\naxes:\n  - seeds: 0\n"), "dir/g.yaml: axes[0].seeds: expected a number of seeds (1, 2, ... N) or a list of seeds, got 0.");
  assert.equal(problem("base: b.yaml\naxes:\n  - path: x\n    range: { from: 1MiB, to: 1KiB, factor: 2 }\n"), "dir/g.yaml: axes[0].range.to: expected a value at least from (1048576), got 1024.");
  assert.equal(problem("base: b.yaml\naxes:\n  - path: x\n    range: { from: 1, to: 3, step: 1, factor: 2 }\n"), "dir/g.yaml: axes[0].range: expected either step or factor (for sizes), not both or neither.");
  assert.equal(problem("base: b.yaml\naxes:\n  - zip:\n      - { path: kernel, values: [v17, v5] }\n      - { path: seed, values: [1] }\n"), "dir/g.yaml: axes[0].zip[1]: expected 2 values, as many as zip[0] has, got 1.");
  assert.equal(problem("bse: b.yaml\n"), "dir/g.yaml: bse: unknown key; expected base (or node and pods) and axes.");
  assert.equal(problem("axes: []\n"), "dir/g.yaml: base: expected the base scenario's file name, relative to the grid file, got nothing.");
  // a value the scenario refuses names the grid file, the variant and the field
  assert.equal(
    problem("base: b.yaml\naxes:\n  - path: kernel\n    values: [v17, v9]\n"),
    'dir/g.yaml: variant 1 (kernel=v9): b.yaml: --set kernel="v9": expected one of "mainline", "v17", "v5", got "v9"',
  );
  assert.match(problem("base: b.yaml\naxes:\n  - path: kernel\n    values: [v17, v17]\n"), /^dir\/g\.yaml: axes: variants 0 and 1 \(kernel=v17\) are the same scenario/);
});
